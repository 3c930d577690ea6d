// Image files -> model input: decode with sharp, resize (shorter side to inputSize / cropPct, or a straight
// warp), centre crop, RGB float in [0, 1], NHWC. Mean/std normalisation is the model's own first op.
import sharp from 'sharp';

import type { Tensor } from '../native.js';
import type { Preprocess } from '../models/registry.js';

export class ImageDecodeError extends Error {
  readonly code = 'LKR_IMAGE';
  constructor(
    readonly file: string,
    why: string,
  ) {
    super(`${file}: cannot decode image: ${why}`);
    this.name = 'ImageDecodeError';
  }
}

const KERNEL = { bicubic: 'cubic', bilinear: 'linear' } as const;

export interface LoadOptions {
  /** Use an image that is already inputSize x inputSize as it is (ImageNet-C/-P files, REFERENCE.md §3.1). */
  keepIfInputSize?: boolean;
}

/** Decodes and preprocesses one image into its RGB bytes (inputSize² × 3), before any float conversion. */
export async function decodeImageRgb(
  file: string | Buffer,
  pre: Pick<Preprocess, 'inputSize' | 'cropPct' | 'interpolation' | 'warp'>,
  opts: LoadOptions = {},
): Promise<Buffer> {
  const name = typeof file === 'string' ? file : '<buffer>';
  const size = pre.inputSize;
  let img = sharp(file, { failOn: 'error' }).rotate().removeAlpha().toColourspace('srgb');
  try {
    const meta = await img.metadata();
    if (!meta.width || !meta.height) throw new Error('no dimensions');
    if (opts.keepIfInputSize && meta.width === size && meta.height === size) {
      // already the model's input: decode only
    } else if (pre.warp) {
      img = img.resize(size, size, { fit: 'fill', kernel: KERNEL[pre.interpolation] });
    } else {
      // torchvision's Resize(int): shorter side to `short`, longer side truncated proportionally.
      const short = Math.floor(size / pre.cropPct);
      const landscape = meta.width >= meta.height;
      const long = Math.floor((short * Math.max(meta.width, meta.height)) / Math.min(meta.width, meta.height));
      const w = landscape ? long : short;
      const h = landscape ? short : long;
      if (w !== meta.width || h !== meta.height) img = img.resize(w, h, { fit: 'fill', kernel: KERNEL[pre.interpolation] });
      // CenterCrop: offsets rounded as torchvision does.
      img = img.extract({ left: Math.round((w - size) / 2), top: Math.round((h - size) / 2), width: size, height: size });
    }
    const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
    if (info.width !== size || info.height !== size || info.channels !== 3) {
      throw new Error(`decoded to ${info.width}x${info.height}x${info.channels}, expected ${size}x${size}x3`);
    }
    return data;
  } catch (e) {
    if (e instanceof ImageDecodeError) throw e;
    throw new ImageDecodeError(name, (e as Error).message);
  }
}

/** Decodes and preprocesses one image into `out` (inputSize² × 3 floats) at `offset`. */
export async function loadImageInto(
  file: string | Buffer,
  pre: Preprocess,
  out: Float32Array,
  offset: number,
  opts: LoadOptions = {},
): Promise<void> {
  const data = await decodeImageRgb(file, pre, opts);
  for (let i = 0; i < data.length; i++) out[offset + i] = data[i] / 255;
}

/** A batch of images as one (N, S, S, 3) tensor. */
export async function loadImages(files: string[], pre: Preprocess, opts: LoadOptions = {}): Promise<Tensor> {
  const s = pre.inputSize;
  const data = new Float32Array(files.length * s * s * 3);
  await Promise.all(files.map((f, i) => loadImageInto(f, pre, data, i * s * s * 3, opts)));
  return { shape: [files.length, s, s, 3], data };
}
