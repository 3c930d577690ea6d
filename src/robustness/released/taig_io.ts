// The released TAIG pipeline's inputs and outputs (REFERENCE.md §6.3): the selected-images CSV, the crafting
// loader (a 256×256 warp, then the central 224), the uint8 save, and TAIG_test.py's scoring transform.
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { loadImages } from '../../data/preprocess.js';
import type { Tensor } from '../../native.js';
import { bicubicResize, centerCropTensor, roundHalfEven } from './interpolate.js';

export class ImageListError extends Error {
  readonly code = 'LKR_IMAGE_LIST';
}

export interface ListedImage {
  path: string;
  label: number;
}

/**
 * The released `results/selected_images.csv`: a header line, then `class_index,wnid,image_name` rows; image i
 * is `<valDir>/<wnid>/<image_name>` with label class_index, in file order.
 */
export function readSelectedImagesCsv(file: string, valDir: string): ListedImage[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ImageListError(`${file}: cannot read the image list: ${(e as Error).message}`);
  }
  const lines = text.split(/\r?\n/);
  const out: ListedImage[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const cols = line.split(',').map((c) => c.trim());
    const label = Number(cols[0]);
    if (cols.length !== 3 || !Number.isInteger(label) || label < 0 || label > 999 || !/^n\d{8}$/.test(cols[1]) || !cols[2]) {
      throw new ImageListError(`${file}:${i + 1}: expected class_index,wnid,image_name (e.g. 0,n01440764,ILSVRC2012_val_00002138.JPEG), received "${line}"`);
    }
    out.push({ path: path.join(valDir, cols[1], cols[2]), label });
  }
  if (!out.length) throw new ImageListError(`${file}: no images listed (a header line, then class_index,wnid,image_name rows)`);
  return out;
}

/** The crafting loader: Resize((warp, warp)) bilinear, CenterCrop(crop), in [0, 1]. */
export async function loadWarpThenCrop(files: string[], warp = 256, crop = 224): Promise<Tensor> {
  const x = await loadImages(files, { inputSize: warp, cropPct: 1, interpolation: 'bilinear', warp: true });
  return centerCropTensor(x, crop);
}

/** Crops a batch already loaded at the warp size (the loader's batches) to the crafting input. */
export function cropBatch(x: Tensor, crop = 224): Tensor {
  return centerCropTensor(x, crop);
}

/** `torch.round(img * 255).astype(uint8)` on float32 values in [0, 1] (half to even; no ε-ball re-projection). */
export function releasedUint8(x: Float32Array): Uint8Array {
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.min(255, Math.max(0, roundHalfEven(Math.fround(x[i] * 255))));
  return out;
}

/** TAIG_test.py's input: uint8 / 255 → bicubic resize to 256 (torch, a = −0.75) → CenterCrop(224), NHWC. */
export function releasedScoringInput(images: Uint8Array, n: number, size: number, resize = 256, crop = 224): Tensor {
  const data = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) data[i] = images[i] / 255;
  return centerCropTensor(bicubicResize({ shape: [n, size, size, 3], data }, resize, resize), crop);
}
