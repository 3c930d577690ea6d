// A training image folder held in memory as RGB bytes at one size (small datasets such as Fashion-MNIST):
// <root>/train/<class>/<image> and <root>/val/<class>/<image>, classes sorted by folder name (ImageFolder).
import { existsSync } from 'node:fs';
import path from 'node:path';

import { DatasetLayoutError, imageFilesUnder, subfolders } from '../data/imagefolder.js';
import { decodeImageRgb } from '../data/preprocess.js';

export interface ImageSet {
  size: number;
  /** n × size × size × 3 bytes. */
  pixels: Uint8Array;
  labels: Int32Array;
  classes: string[];
}

export const TRAIN_LAYOUT = '<data>/train/<class>/<image> and <data>/val/<class>/<image> (one folder per class)';

/** Decodes every image of <root>/<split>, resized (bilinear) to size × size when it is not already. */
export async function loadSplit(root: string, split: 'train' | 'val', size: number, limitPerClass = 0,
  onProgress?: (done: number, total: number) => void): Promise<ImageSet> {
  const dir = path.join(root, split);
  if (!existsSync(dir)) throw new DatasetLayoutError(dir, `no ${split}/ folder`, TRAIN_LAYOUT);
  const classes = subfolders(dir, TRAIN_LAYOUT).map((e) => e.name).sort();
  if (classes.length < 2) throw new DatasetLayoutError(dir, `expected at least 2 class folders, found ${classes.length}`, TRAIN_LAYOUT);
  const files: { file: string; label: number }[] = [];
  classes.forEach((c, label) => {
    let list = imageFilesUnder(path.join(dir, c), TRAIN_LAYOUT).sort();
    if (limitPerClass > 0) list = list.slice(0, limitPerClass);
    for (const file of list) files.push({ file, label });
  });
  const per = size * size * 3;
  const pixels = new Uint8Array(files.length * per);
  const labels = new Int32Array(files.length);
  const pre = { inputSize: size, cropPct: 1, interpolation: 'bilinear' as const, warp: true };
  const chunk = 64;
  for (let i = 0; i < files.length; i += chunk) {
    const part = files.slice(i, i + chunk);
    const decoded = await Promise.all(part.map((f) => decodeImageRgb(f.file, pre, { keepIfInputSize: true })));
    decoded.forEach((d, j) => {
      pixels.set(d, (i + j) * per);
      labels[i + j] = part[j]!.label;
    });
    onProgress?.(Math.min(files.length, i + chunk), files.length);
  }
  return { size, pixels, labels, classes };
}
