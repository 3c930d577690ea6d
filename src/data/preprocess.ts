// Image files -> model input, byte for byte as PyTorch users build it: Image.open(f).convert('RGB'), then
// timm's eval transforms (Resize to inputSize / cropPct, CenterCrop) with Pillow's resampling, in native code
// (native/image/decode*, resample*). JPEG and PNG are decoded natively as Pillow decodes them; other formats
// (WebP, TIFF, GIF, ...) are decoded by sharp to raw pixels and then go through the same native resampling.
// `exifRotate` / `colorManage` opt in to sharp's EXIF rotation and ICC conversion, which Pillow does not do.
// RGB float in [0, 1] (x / 255 in float32, as ToTensor), NHWC. Mean/std normalisation is the model's first op.
import { readFile } from 'node:fs/promises';

import sharp from 'sharp';

import { preprocessImages, type PreprocessedItem, type Tensor } from '../native.js';
import type { CropMode, Preprocess } from '../models/registry.js';
import { LkrError } from '../util/lkr_error.js';
import { MAX_IMAGE_PIXELS, oversizedImage } from './image_header.js';

export class ImageDecodeError extends LkrError {
  constructor(
    readonly file: string,
    why: string,
  ) {
    super('LKR_IMAGE', `${file}: cannot decode image: ${why}`);
    this.name = 'ImageDecodeError';
  }
}

export interface LoadOptions {
  /** Use an image that is already inputSize x inputSize as it is (ImageNet-C/-P files, REFERENCE.md §3.1). */
  keepIfInputSize?: boolean;
  /** Turn the image as its EXIF orientation says (sharp), which Pillow and torchvision do not do. */
  exifRotate?: boolean;
  /** Convert an embedded ICC profile to sRGB (sharp), which Pillow and torchvision do not do. */
  colorManage?: boolean;
  /** Native decode threads (default: OpenMP's, one per core). */
  threads?: number;
}

/** What the pixel pipeline needs from a model's preprocessing facts. */
export type PixelPreprocess = Pick<Preprocess, 'inputSize' | 'cropPct' | 'interpolation'> &
  Partial<Pick<Preprocess, 'warp' | 'cropMode' | 'mean'>>;

/** The settings results.json records: what decides the pixels besides the model's own preprocessing. */
export function pixelSettings(pre: PixelPreprocess, opts: LoadOptions = {}) {
  return {
    decoder: 'pillow-exact' as const,
    crop_mode: cropModeOf(pre),
    exif_rotate: opts.exifRotate ?? false,
    color_manage: opts.colorManage ?? false,
  };
}

export function cropModeOf(pre: PixelPreprocess): CropMode {
  return pre.cropMode ?? (pre.warp ? 'squash' : 'center');
}

/** Python's round(): to nearest, ties to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** One file's outcome in a batch. */
export interface ItemOutcome {
  ok: boolean;
  error?: string;
  /** The mode Pillow opens it in (native decoders), or sharp's channel layout (L, LA, RGB, RGBA). */
  mode?: string;
  width?: number;
  height?: number;
  decoder?: 'native' | 'sharp';
}

const SHARP_MODES = ['', 'L', 'LA', 'RGB', 'RGBA'];

async function sharpRaw(bytes: Buffer, opts: LoadOptions): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  let img = sharp(bytes, { failOn: 'error', limitInputPixels: MAX_IMAGE_PIXELS });
  if (opts.exifRotate) img = img.rotate();
  if (opts.colorManage) img = img.toColourspace('srgb');
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  if (info.channels < 1 || info.channels > 4) throw new Error(`decoded to ${info.channels} channels`);
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/**
 * Preprocesses `files` into `out` (uint8, or float32 x / 255) at `offset` elements, file i in slot
 * `slots[i]` (default i) at offset + slot * inputSize² * 3. Each file succeeds or fails on its own; a failed
 * slot is left as it was.
 */
export async function preprocessInto(
  files: readonly (string | Buffer)[],
  pre: PixelPreprocess,
  out: Uint8Array | Float32Array,
  offset = 0,
  opts: LoadOptions = {},
  slots?: readonly number[],
): Promise<ItemOutcome[]> {
  const slot = (i: number) => (slots ? slots[i] : i);
  const per = pre.inputSize * pre.inputSize * 3;
  const mode = cropModeOf(pre);
  const spec = {
    size: pre.inputSize,
    cropPct: pre.cropPct,
    interpolation: pre.interpolation,
    cropMode: mode,
    fill: (mode === 'border' ? (pre.mean ?? [0, 0, 0]).map((m) => roundHalfEven(255 * m)) : [0, 0, 0]) as [number, number, number],
    keepIfInputSize: opts.keepIfInputSize ?? false,
    ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
  };
  const outcomes: ItemOutcome[] = files.map(() => ({ ok: false }));
  const bytes = await Promise.all(
    files.map(async (f, i) => {
      try {
        return typeof f === 'string' ? await readFile(f) : f;
      } catch (e) {
        outcomes[i].error = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
        return null;
      }
    }),
  );
  const viaSharp = opts.exifRotate || opts.colorManage;
  // Pass 1: JPEG and PNG natively (everything, unless sharp's EXIF/ICC handling was asked for).
  // Headers declaring more pixels than Pillow opens are refused before any decoder allocates them.
  bytes.forEach((b, i) => {
    const why = b && oversizedImage(b);
    if (why) {
      outcomes[i].error = why;
      bytes[i] = null;
    }
  });
  const native = viaSharp ? [] : bytes.flatMap((b, i) => (b ? [i] : []));
  const later: number[] = viaSharp ? bytes.flatMap((b, i) => (b ? [i] : [])) : [];
  if (native.length) {
    const res = await runInto(native.map(slot), native.map((i) => bytes[i]!), spec, out, offset, per);
    res.forEach((r, k) => {
      const i = native[k];
      if (r.unsupported) later.push(i);
      else if (r.error) outcomes[i].error = r.error;
      else Object.assign(outcomes[i], { ok: true, mode: r.mode, width: r.width, height: r.height, decoder: 'native' });
    });
  }
  // Pass 2: anything else through sharp's decoders, then the same native resampling.
  if (later.length) {
    const raws = await Promise.all(
      later.map(async (i) => {
        try {
          return await sharpRaw(bytes[i]!, opts);
        } catch (e) {
          outcomes[i].error = (e as Error).message;
          return null;
        }
      }),
    );
    const ok = later.filter((_, k) => raws[k]);
    const items = raws.filter((r) => r !== null);
    if (ok.length) {
      const res = await runInto(ok.map(slot), items, spec, out, offset, per);
      res.forEach((r, k) => {
        const i = ok[k];
        if (r.error) outcomes[i].error = r.error;
        else Object.assign(outcomes[i], { ok: true, mode: SHARP_MODES[items[k].channels], width: r.width, height: r.height, decoder: 'sharp' });
      });
    }
  }
  return outcomes;
}

type NativeItem = Uint8Array | { data: Uint8Array; width: number; height: number; channels: number };

// One native call for the images `slots` (their output positions), written straight into `out` when the
// slots are contiguous, through a scratch buffer otherwise.
async function runInto(
  slots: number[],
  items: NativeItem[],
  spec: Omit<Parameters<typeof preprocessImages>[0], 'items' | 'out' | 'outOffset'>,
  out: Uint8Array | Float32Array,
  offset: number,
  per: number,
): Promise<PreprocessedItem[]> {
  const contiguous = slots.every((s, k) => s === slots[0] + k);
  if (contiguous) return preprocessImages({ ...spec, items, out, outOffset: offset + slots[0] * per });
  const scratch = out instanceof Float32Array ? new Float32Array(items.length * per) : new Uint8Array(items.length * per);
  const res = await preprocessImages({ ...spec, items, out: scratch });
  res.forEach((r, k) => {
    if (!r.error && !r.unsupported) out.set(scratch.subarray(k * per, (k + 1) * per), offset + slots[k] * per);
  });
  return res;
}

function nameOf(file: string | Buffer): string {
  return typeof file === 'string' ? file : '<buffer>';
}

/** Decodes and preprocesses one image into its RGB bytes (inputSize² × 3), before any float conversion. */
export async function decodeImageRgb(file: string | Buffer, pre: PixelPreprocess, opts: LoadOptions = {}): Promise<Buffer> {
  const data = Buffer.alloc(pre.inputSize * pre.inputSize * 3);
  const [r] = await preprocessInto([file], pre, data, 0, opts);
  if (!r.ok) throw new ImageDecodeError(nameOf(file), r.error ?? 'unknown error');
  return data;
}

/** Decodes and preprocesses one image into `out` (inputSize² × 3 floats) at `offset`. */
export async function loadImageInto(
  file: string | Buffer,
  pre: PixelPreprocess,
  out: Float32Array,
  offset: number,
  opts: LoadOptions = {},
): Promise<void> {
  const [r] = await preprocessInto([file], pre, out, offset, opts);
  if (!r.ok) throw new ImageDecodeError(nameOf(file), r.error ?? 'unknown error');
}

/** A batch of images as one (N, S, S, 3) tensor; the first file that fails throws ImageDecodeError. */
export async function loadImages(files: string[], pre: PixelPreprocess, opts: LoadOptions = {}): Promise<Tensor> {
  const s = pre.inputSize;
  const data = new Float32Array(files.length * s * s * 3);
  const res = await preprocessInto(files, pre, data, 0, opts);
  const bad = res.findIndex((r) => !r.ok);
  if (bad >= 0) throw new ImageDecodeError(files[bad], res[bad].error ?? 'unknown error');
  return { shape: [files.length, s, s, 3], data };
}
