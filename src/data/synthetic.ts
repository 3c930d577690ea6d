// Small synthetic datasets in every released layout, for the demo and for tests: each class has its own
// colour and stripe pattern, each image its own seeded noise; ImageNet-C/-P/-9 variants transform them.
import { mkdirSync } from 'node:fs';
import path from 'node:path';

import sharp from 'sharp';

import { classSubset, imagenet1kWnids, in9Map } from './reference_data.js';
import { mulberry32 } from '../util/rng.js';


/** RGB bytes of one synthetic image of class `cls`. */
export function syntheticImage(cls: number, seed: number, size: number): Buffer {
  const r = mulberry32(cls * 7919 + seed * 104729 + 1);
  const hue = (cls * 0.61803398875) % 1;
  const base = [0, 1, 2].map((k) => 0.5 + 0.4 * Math.cos(2 * Math.PI * (hue + k / 3)));
  const freq = 2 + (cls % 7);
  const angle = ((cls * 37) % 180) * (Math.PI / 180);
  const buf = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const s = Math.sin((2 * Math.PI * freq * (x * Math.cos(angle) + y * Math.sin(angle))) / size);
      for (let k = 0; k < 3; k++) {
        const v = base[k] * (0.75 + 0.25 * s) + 0.08 * (r() - 0.5);
        buf[(y * size + x) * 3 + k] = Math.max(0, Math.min(255, Math.round(255 * v)));
      }
    }
  }
  return buf;
}

async function save(file: string, rgb: Buffer, size: number, format: 'jpeg' | 'png' = 'jpeg'): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true });
  const img = sharp(rgb, { raw: { width: size, height: size, channels: 3 } });
  await (format === 'png' ? img.png() : img.jpeg({ quality: 90 })).toFile(file);
}

/** A simple deterministic degradation standing in for a corruption at a severity (demo data only). */
function degrade(rgb: Buffer, severity: number, kind: number, seed: number): Buffer {
  const r = mulberry32(seed);
  const out = Buffer.from(rgb);
  const amount = 0.08 * severity;
  for (let i = 0; i < out.length; i++) {
    const v = out[i] / 255;
    const d = kind === 0 ? v + amount * 2 * (r() - 0.5) : kind === 1 ? 0.5 + (v - 0.5) * (1 - 0.15 * severity) : Math.min(1, v + 0.05 * severity);
    out[i] = Math.max(0, Math.min(255, Math.round(255 * d)));
  }
  return out;
}

export interface SyntheticOptions {
  perClass?: number;
  classes?: number;
  size?: number;
}

const wnidName = (i: number) => `ILSVRC2012_val_${String(i + 1).padStart(8, '0')}.JPEG`;

/** Writes imagenet-val, -a, -r, -o, -c, -p (decoded frames) and -9 folders under `root`; returns their paths. */
export async function writeSyntheticDatasets(root: string, o: SyntheticOptions = {}): Promise<Record<string, string>> {
  const per = o.perClass ?? 3;
  const nClasses = o.classes ?? 8;
  const size = o.size ?? 224;
  const wnids = imagenet1kWnids();
  const dirs: Record<string, string> = {};
  const jobs: Promise<void>[] = [];
  let serial = 0;

  // Val: classes spread over the 1000, plus the first few A/R/O wnids so subsets have in-distribution images.
  const a = classSubset('a');
  const rr = classSubset('r');
  const oo = classSubset('o');
  const valIdx = [...new Set([...Array.from({ length: nClasses }, (_, i) => Math.floor((i * 1000) / nClasses)), ...oo.indices.slice(0, 4)])];
  dirs['imagenet-val'] = path.join(root, 'imagenet-val');
  for (const c of valIdx) for (let j = 0; j < per; j++) jobs.push(save(path.join(dirs['imagenet-val'], wnids[c], wnidName(serial++)), syntheticImage(c, j, size + 32), size + 32));

  for (const [name, sub] of [['imagenet-a', a], ['imagenet-r', rr], ['imagenet-o', oo]] as const) {
    dirs[name] = path.join(root, name);
    for (const c of sub.indices.slice(0, 4)) {
      for (let j = 0; j < per; j++) jobs.push(save(path.join(dirs[name], wnids[c], `${name}_${serial++}.jpg`), syntheticImage(c, 100 + j, size + 32), size + 32));
    }
  }

  // ImageNet-C: three corruptions of the 15 (stand-ins, not the real corruption code) at every severity, 224².
  dirs['imagenet-c'] = path.join(root, 'imagenet-c');
  ['gaussian_noise', 'contrast', 'brightness'].forEach((corruption, kind) => {
    for (let sev = 1; sev <= 5; sev++) {
      for (const c of valIdx.slice(0, nClasses)) {
        for (let j = 0; j < per; j++) {
          jobs.push(save(path.join(dirs['imagenet-c'], corruption, String(sev), wnids[c], wnidName(j)), degrade(syntheticImage(c, j, size), sev, kind, c * 31 + j), size));
        }
      }
    }
  });

  // ImageNet-P as decoded frames: one noise and one temporal perturbation, 31 frames each.
  dirs['imagenet-p'] = path.join(root, 'imagenet-p');
  for (const [p, kind] of [['gaussian_noise', 0], ['brightness', 2]] as const) {
    for (const c of valIdx.slice(0, Math.min(3, nClasses))) {
      for (let f = 0; f < 31; f++) {
        const frame = f === 0 && kind === 0 ? syntheticImage(c, 0, size) : degrade(syntheticImage(c, 0, size), kind === 0 ? 1 : Math.abs(f - 15) / 5, kind, f * 13 + c);
        jobs.push(save(path.join(dirs['imagenet-p'], p, wnids[c], 'ILSVRC2012_val_00000001', `${String(f).padStart(2, '0')}.png`), frame, size, 'png'));
      }
    }
  }

  // ImageNet-9: original, mixed_same, mixed_rand; class images from a 1k index mapped to each IN-9 class.
  const map = in9Map();
  dirs['imagenet-9'] = path.join(root, 'imagenet-9');
  for (const [v, variation] of ['original', 'mixed_same', 'mixed_rand'].entries()) {
    for (let k = 0; k < 9; k++) {
      const idx = map.index_to_class.indexOf(k);
      for (let j = 0; j < per; j++) {
        jobs.push(save(path.join(dirs['imagenet-9'], variation, 'val', map.folder_names[k], `${k}_${j}.JPEG`), degrade(syntheticImage(idx, j, size), v, 2, k * 7 + j), size));
      }
    }
  }
  await Promise.all(jobs);
  return dirs;
}
