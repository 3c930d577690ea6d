// ImageNet-P from any image folder: for each image and perturbation, the decoded frames of its sequence in our
// imagenetP layout, <perturbation>/<wnid>/<stem>/<frame>.png (what the released videos decode to; no video
// encoder involved). A sequence is written into a temporary folder and renamed whole, so a killed run never
// leaves a partial sequence that a rerun would take as done; a rerun skips finished sequences.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

import sharp from 'sharp';

import { ImageDecodeError } from '../data/preprocess.js';
import { perturbSequence } from '../native.js';
import { sourceImages, type SourceImage } from './jobs.js';
import { openManifest, writeManifest } from './manifest.js';
import { CorruptionArgError } from './params.js';

/** The 10 test perturbations, then the 4 validation ones (make_imagenet_p.py, REFERENCE.md §4.1). */
export const PERTURBATIONS = [
  'gaussian_noise', 'shot_noise', 'motion_blur', 'zoom_blur', 'snow', 'brightness', 'translate', 'rotate', 'tilt', 'scale',
  'speckle_noise', 'gaussian_blur', 'spatter', 'shear',
] as const;
const NOISES = ['gaussian_noise', 'shot_noise', 'speckle_noise'];

export const IMAGENET_P_LAYOUT = '<perturbation>/<wnid>/<stem>/<frame>.png';

export interface PerturbationSpec {
  /** Folder name: the perturbation, or <noise>_2 / _3 for the harder noise variants. */
  name: string;
  base: string;
  level: number;
  frames: number;
}

/** Parses a comma list of names; `all` stands for the 14; the noises also take `_2` and `_3` variants by name. */
export function parsePerturbations(text: string): PerturbationSpec[] {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean).flatMap((n) => (n === 'all' ? [...PERTURBATIONS] : [n]));
  const out: PerturbationSpec[] = [];
  for (const name of new Set(names)) {
    const m = /^(.*?)(?:_([23]))?$/.exec(name)!;
    const base = m[1];
    const level = m[2] ? Number(m[2]) : 1;
    const known = (PERTURBATIONS as readonly string[]).includes(base) && (level === 1 || NOISES.includes(base));
    if (!known) {
      throw new CorruptionArgError(`--perturbations: unknown name ${name}; expected 'all' or a comma list of ${PERTURBATIONS.join(', ')} (and ${NOISES.map((n) => n + '_2').join(', ')}, ... _3)`);
    }
    out.push({ name, base, level, frames: base === 'translate' ? 41 : 31 });
  }
  if (!out.length) throw new CorruptionArgError('--perturbations: empty list');
  return out;
}

export interface PerturbRunOptions {
  data: string;
  out: string;
  perturbations: PerturbationSpec[];
  seed: number;
  size: number;
  limit?: number;
  /** Sequences made at once (default 4: libuv's worker pool). */
  concurrency?: number;
  onProgress?: (p: { done: number; total: number; written: number; rate: number }) => void;
  shouldStop?: () => boolean;
}

export interface PerturbRunResult {
  total: number;
  written: number;
  skippedExisting: number;
  failed: { path: string; error: string }[];
  complete: boolean;
  seconds: number;
}

/** The image resized to a shorter side of 256 · size/224 (bilinear), uncropped: the generator's base image. */
async function resizedBase(file: string, size: number): Promise<{ data: Buffer; width: number; height: number }> {
  try {
    const img = sharp(file, { failOn: 'error' }).rotate().removeAlpha().toColourspace('srgb');
    const meta = await img.metadata();
    if (!meta.width || !meta.height) throw new Error('no dimensions');
    const short = Math.floor(size / 0.875);
    const landscape = meta.width >= meta.height;
    const long = Math.floor((short * Math.max(meta.width, meta.height)) / Math.min(meta.width, meta.height));
    const [w, h] = landscape ? [long, short] : [short, long];
    const { data, info } = await img.resize(w, h, { fit: 'fill', kernel: 'linear' }).raw().toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  } catch (e) {
    throw new ImageDecodeError(file, (e as Error).message);
  }
}

export function sequenceDir(out: string, p: PerturbationSpec, im: SourceImage): string {
  const stem = path.posix.basename(im.rel, path.posix.extname(im.rel));
  return path.join(out, p.name, im.className, stem);
}

async function writeSequence(dir: string, frames: Buffer, count: number, size: number): Promise<void> {
  const tmp = `${dir}.part-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const per = size * size * 3;
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      sharp(frames.subarray(i * per, (i + 1) * per), { raw: { width: size, height: size, channels: 3 } })
        .png({ compressionLevel: 6 })
        .toBuffer()
        .then((b) => writeFile(path.join(tmp, `${i}.png`), b)),
    ),
  );
  renameSync(tmp, dir);
}

export async function runPerturb(o: PerturbRunOptions): Promise<PerturbRunResult> {
  const t0 = performance.now();
  let images = sourceImages(o.data);
  if (o.limit !== undefined) images = images.slice(0, o.limit);
  const manifest = openManifest(o.out, {
    tool: 'lkrobust corrupt',
    lkrobust_version: '',
    layout: IMAGENET_P_LAYOUT,
    data: path.resolve(o.data),
    seed: o.seed,
    size: o.size,
    format: 'png',
    jpeg_quality: null,
    params_source: 'make_imagenet_p.py (REFERENCE.md §4.3), built into native/image/perturb.cpp',
    frost: 'not used (ImageNet-P)',
    corruptions: o.perturbations.map((p) => p.name),
    severities: [],
    images: images.length,
    complete: false,
  });
  const jobs = images.flatMap((im) => o.perturbations.map((p) => ({ im, p })));
  const failed: PerturbRunResult['failed'] = [];
  const bad = new Set<string>();
  let written = 0;
  let skipped = 0;
  let done = 0;
  let stopped = false;
  let next = 0;
  const base = new Map<string, Promise<{ data: Buffer; width: number; height: number }>>();
  const worker = async () => {
    while (next < jobs.length && !stopped) {
      if (o.shouldStop?.()) {
        stopped = true;
        break;
      }
      const { im, p } = jobs[next++];
      const dir = sequenceDir(o.out, p, im);
      if (existsSync(dir) && readdirSync(dir).length === p.frames) {
        skipped++;
        done++;
        continue;
      }
      if (bad.has(im.path)) {
        done++;
        continue;
      }
      try {
        if (!base.has(im.path)) {
          base.clear(); // jobs are image-major: one decoded image at a time per worker suffices
          base.set(im.path, resizedBase(im.path, o.size));
        }
        const b = await base.get(im.path)!;
        const frames = await perturbSequence({ perturbation: p.base, level: p.level, seed: o.seed, key: im.rel, image: b.data, width: b.width, height: b.height, size: o.size });
        mkdirSync(path.dirname(dir), { recursive: true });
        if (existsSync(dir)) rmSync(dir, { recursive: true, force: true }); // a partial folder from an older layout
        await writeSequence(dir, frames, p.frames, o.size);
        written++;
      } catch (e) {
        if (!(e instanceof ImageDecodeError)) throw e;
        bad.add(im.path);
        failed.push({ path: im.path, error: e.message });
      }
      done++;
      o.onProgress?.({ done, total: jobs.length, written, rate: written / ((performance.now() - t0) / 1000) });
    }
  };
  await Promise.all(Array.from({ length: o.concurrency ?? 4 }, worker));
  const complete = !stopped && done === jobs.length && failed.length === 0;
  const seconds = (performance.now() - t0) / 1000;
  writeManifest(o.out, { ...manifest, complete, written, skipped_existing: skipped, failed_images: failed, seconds });
  return { total: jobs.length, written, skippedExisting: skipped, failed, complete, seconds };
}
