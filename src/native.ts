// The only module that loads the native addon. Everything above it sees typed, validated, promise-based calls.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** A CPU tensor as JS sees it: contiguous float32, row-major, activations NHWC. */
export interface Tensor {
  shape: number[];
  data: Float32Array;
}

export type OpAttrs = Record<string, number | boolean | string | number[]>;

export interface CudaDeviceInfo {
  index: number;
  name: string;
  compute_capability: string;
  memory_bytes: number;
  multiprocessors: number;
}

export interface EngineInfo {
  cpu: { isa: string; isa_detected: string; threads: number; onednn: string; dwconv_isa: string };
  cuda: { compiled: boolean; runtime: string; architectures: string; devices: CudaDeviceInfo[] };
  ops: number;
}

export interface OpInfo {
  name: string;
  inputs: number;
  cpu: boolean;
  cuda: boolean;
}

/** Errors from the engine carry a stable `code`: LKR_ARG, LKR_NOT_IMPLEMENTED or LKR_ENGINE. */
export class EngineError extends Error {
  code: string;
  constructor(message: string, code: string) {
    super(message);
    this.name = 'EngineError';
    this.code = code;
  }
}

interface Addon {
  runOpSync(name: string, inputs: (Tensor | null)[], attrs?: OpAttrs): (Tensor | null)[];
  runOp(name: string, inputs: (Tensor | null)[], attrs?: OpAttrs): Promise<(Tensor | null)[]>;
  listOps(): OpInfo[];
  info(): EngineInfo;
  [part: string]: unknown;
}

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

let loaded: Addon | undefined;

/** The raw addon, loaded on first use (so `--help` works even before the native build). */
export function addon(): Addon {
  if (!loaded) {
    try {
      const load = require('node-gyp-build') as (dir: string) => Addon;
      loaded = load(packageRoot);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new EngineError(
        `the lkrobust native addon could not be loaded (${why}). Build it with \`npm run build\` ` +
          '(system packages: `bash scripts/install-system-deps.sh`).',
        'LKR_NO_ADDON',
      );
    }
  }
  return loaded;
}

// Native errors are re-thrown from the caller's stack (the native one says nothing useful).
function rethrow(e: unknown, site: Error): never {
  if (e instanceof Error) {
    const code = (e as Error & { code?: string }).code ?? 'LKR_ENGINE';
    const err = new EngineError(e.message, code);
    err.stack = `EngineError: ${e.message}\n${(site.stack ?? '').split('\n').slice(1).join('\n')}`;
    throw err;
  }
  throw e;
}

/** Runs one engine op synchronously (small work, tests). */
export function runOpSync(name: string, inputs: (Tensor | null)[], attrs: OpAttrs = {}): (Tensor | null)[] {
  const site = new Error();
  try {
    return addon().runOpSync(name, inputs, attrs);
  } catch (e) {
    rethrow(e, site);
  }
}

/** Runs one engine op off the main thread; inputs must not be modified until it settles. */
export async function runOp(name: string, inputs: (Tensor | null)[], attrs: OpAttrs = {}): Promise<(Tensor | null)[]> {
  const site = new Error();
  try {
    return await addon().runOp(name, inputs, attrs);
  } catch (e) {
    rethrow(e, site);
  }
}

export function listOps(): OpInfo[] {
  return addon().listOps();
}

export function engineInfo(): EngineInfo {
  const site = new Error();
  try {
    return addon().info();
  } catch (e) {
    rethrow(e, site);
  }
}

/** A tensor of the given shape (zeros, or wrapping `data` without copying). */
export function tensor(shape: number[], data?: Float32Array | number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new TypeError(`tensor: expected non-negative integer dims, received [${shape}]`);
  }
  const arr = data === undefined ? new Float32Array(n) : data instanceof Float32Array ? data : Float32Array.from(data);
  if (arr.length !== n) {
    throw new TypeError(`tensor: shape [${shape}] holds ${n} values, received ${arr.length}`);
  }
  return { shape: [...shape], data: arr };
}

// ---- ImageNet-C corruption kernels (native/image) ----

/** A texture frost blends in: RGB bytes, height x width x 3. */
export interface RgbTexture {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface CorruptImagesOptions {
  corruption: string;
  severity: number;
  /** That severity's parameter tuple from data/corruption_params.json, flattened. */
  params: number[];
  seed: number;
  width: number;
  height: number;
  /** count x height x width x 3 RGB bytes. */
  images: Uint8Array;
  /** One identity per image (its relative path): the image's random stream depends on it, never on order. */
  keys: string[];
  /** Also return each result JPEG-encoded at this quality (4:2:0, optimised Huffman tables). */
  jpegQuality?: number;
  frost?: RgbTexture[];
}

export interface CorruptImagesResult {
  pixels: Buffer;
  jpegs: Buffer[] | null;
}

/** One corruption at one severity over a batch of same-size images, off the main thread. */
export async function corruptImages(opts: CorruptImagesOptions): Promise<CorruptImagesResult> {
  const site = new Error();
  try {
    return await (addon().corruptImages as (o: CorruptImagesOptions) => Promise<CorruptImagesResult>)(opts);
  } catch (e) {
    rethrow(e, site);
  }
}

/** `count` procedural frost textures of height x width (our substitute for the generator's photographs). */
export function frostTextures(seed: number, count: number, height: number, width: number): RgbTexture[] {
  const site = new Error();
  try {
    const bufs = (addon().frostTextures as (s: number, c: number, h: number, w: number) => Buffer[])(seed, count, height, width);
    return bufs.map((data) => ({ width, height, data }));
  } catch (e) {
    rethrow(e, site);
  }
}

export interface PreprocessImagesOptions {
  /** Encoded files (JPEG and PNG are decoded natively) or raw 8-bit pixels (1 = L, 2 = LA, 3 = RGB, 4 = RGBA). */
  items: (Uint8Array | { data: Uint8Array; width: number; height: number; channels: number })[];
  size: number;
  cropPct: number;
  interpolation: string;
  cropMode?: 'center' | 'squash' | 'border';
  /** Padding colour of the border crop mode. */
  fill?: [number, number, number];
  keepIfInputSize?: boolean;
  /** Image i is written at outOffset + i * size * size * 3: uint8, or float32 x / 255. */
  out: Uint8Array | Float32Array;
  outOffset?: number;
  threads?: number;
}

export interface PreprocessedItem {
  /** The mode Pillow would open the file in (L, LA, P, RGB, RGBA, CMYK, I;16). */
  mode: string;
  width: number;
  height: number;
  /** Not JPEG or PNG: decode it with another decoder and pass its raw pixels. */
  unsupported: boolean;
  error?: string;
}

/** Files or raw pixels -> the exact model input (Pillow + torchvision/timm), off the main thread. */
export async function preprocessImages(opts: PreprocessImagesOptions): Promise<PreprocessedItem[]> {
  const site = new Error();
  try {
    return await (addon().preprocessImages as (o: PreprocessImagesOptions) => Promise<PreprocessedItem[]>)(opts);
  } catch (e) {
    rethrow(e, site);
  }
}

export interface PerturbSequenceOptions {
  perturbation: string;
  /** 1, or 2..3 for the noises' harder variants (<name>_2, _3). */
  level: number;
  seed: number;
  /** The image's identity (relative path) in the random streams. */
  key: string;
  /** The image resized to a shorter side of 256 (height x width x 3 bytes); frames are its centre crops. */
  image: Uint8Array;
  width: number;
  height: number;
  size: number;
}

/** The frames (count x size x size x 3 bytes) of one ImageNet-P sequence, off the main thread. */
export async function perturbSequence(opts: PerturbSequenceOptions): Promise<Buffer> {
  const site = new Error();
  try {
    return await (addon().perturbSequence as (o: PerturbSequenceOptions) => Promise<Buffer>)(opts);
  } catch (e) {
    rethrow(e, site);
  }
}
