// ImageNet-C made on the fly for `eval --generate`: the same items the written folder would hold, each with a
// `load()` that produces the very bytes `corrupt` would have written (decode, crop, corrupt, JPEG q85), so
// evaluating the generated set and the written folder give identical results. Nothing touches the disk.
import path from 'node:path';

import type { CItem } from '../data/layouts.js';
import { scanImageFolder } from '../data/imagefolder.js';
import { decodeImageRgb } from '../data/preprocess.js';
import { corruptToFiles, type CorruptSettings } from './corruptor.js';
import type { FrostSource } from './frost.js';
import { outputName } from './jobs.js';
import { CORRUPTIONS, SEVERITIES, type CorruptionName } from './params.js';
import { releasedPreprocess } from './writer.js';

export interface GenerateOptions {
  seed: number;
  frost: FrostSource;
  corruptions?: readonly CorruptionName[];
  severities?: readonly number[];
  /** Side of the corrupted images (224 as released). */
  size?: number;
}

export interface GeneratedItem extends CItem {
  load: () => Promise<Buffer>;
}

export interface GeneratedImageNetC {
  items: GeneratedItem[];
  present: Record<string, number[]>;
  missing: { corruption: string; severities: number[] }[];
  unknownCorruptions: string[];
}

const CATEGORY: Record<string, string> = {
  gaussian_noise: 'noise', shot_noise: 'noise', impulse_noise: 'noise', defocus_blur: 'blur', glass_blur: 'blur',
  motion_blur: 'blur', zoom_blur: 'blur', snow: 'weather', frost: 'weather', fog: 'weather', brightness: 'weather',
  contrast: 'digital', elastic_transform: 'digital', pixelate: 'digital', jpeg_compression: 'digital',
};

/** A few decoded source crops kept between variants (items come corruption-major, so each recurs). */
class CropCache {
  private readonly m = new Map<string, Promise<Buffer>>();
  constructor(private readonly cap: number) {}
  get(file: string, make: () => Promise<Buffer>): Promise<Buffer> {
    let p = this.m.get(file);
    if (p) {
      this.m.delete(file);
    } else {
      p = make();
      if (this.m.size >= this.cap) this.m.delete(this.m.keys().next().value!);
    }
    this.m.set(file, p);
    return p;
  }
}

/** Items of the ImageNet-C set that `corrupt --data valDir` would write, in the released layout's order. */
export function generatedImagenetC(valDir: string, o: GenerateOptions): GeneratedImageNetC {
  const val = scanImageFolder(valDir);
  const corruptions = [...(o.corruptions ?? CORRUPTIONS)].sort();
  const severities = [...(o.severities ?? SEVERITIES)];
  const settings: CorruptSettings = { seed: o.seed, size: o.size ?? 224, format: 'jpeg', frost: o.frost };
  const cache = new CropCache(512);
  const items: GeneratedItem[] = [];
  for (const corruption of corruptions) {
    for (const severity of severities) {
      for (const it of val.items) {
        const rel = path.relative(valDir, it.path).split(path.sep).join('/'); // as `corrupt` keys it
        const load = async () => {
          const crop = await cache.get(it.path, () => decodeImageRgb(it.path, releasedPreprocess(settings.size), { keepIfInputSize: true }));
          const [bytes] = await corruptToFiles([crop], [rel], { corruption: corruption as CorruptionName, severity }, settings);
          return bytes;
        };
        items.push({
          ...it,
          path: `generated:${corruption}/${severity}/${outputName(rel, 'jpeg')}`,
          corruption,
          severity,
          category: CATEGORY[corruption] ?? 'extra',
          load,
        });
      }
    }
  }
  const present = Object.fromEntries(corruptions.map((c) => [c, severities]));
  const missing = CORRUPTIONS.filter((c) => !corruptions.includes(c)).map((c) => ({ corruption: c, severities: [...SEVERITIES] }));
  return { items, present, missing, unknownCorruptions: [] };
}
