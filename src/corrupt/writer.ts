// `lkrobust corrupt`'s engine: ImageFolder in, released ImageNet-C layout out. Images are decoded once per
// batch and corrupted natively for every pending (corruption, severity); each file is written under a
// temporary name and renamed, so a killed run never leaves a half file that a rerun would take as done.
// A rerun skips every file that exists (nothing is redone) and finishes the rest.
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { decodeImageRgb, ImageDecodeError } from '../data/preprocess.js';
import { corruptToFiles, RELEASED_JPEG_QUALITY, type CorruptSettings } from './corruptor.js';
import { outputPath, sourceImages, variants, type SourceImage, type Variant } from './jobs.js';
import { openManifest, writeManifest } from './manifest.js';
import { paramsSource, type CorruptionName } from './params.js';

export const RELEASED_LAYOUT = '<corruption>/<severity>/<wnid>/<file>';

export interface CorruptRunOptions extends CorruptSettings {
  data: string;
  out: string;
  corruptions: CorruptionName[];
  severities: number[];
  /** Images decoded and corrupted per native call (default 32). */
  batch?: number;
  /** At most this many source images (first ones in ImageFolder order). */
  limit?: number;
  onProgress?: (p: { done: number; total: number; written: number; rate: number }) => void;
  shouldStop?: () => boolean;
}

export interface CorruptRunResult {
  total: number;
  written: number;
  skippedExisting: number;
  failed: { path: string; error: string }[];
  complete: boolean;
  seconds: number;
}

/** The resize + centre crop of the released sets: shorter side to 256 (bilinear) for 224, crop; none at size. */
export function releasedPreprocess(size: number) {
  return { inputSize: size, cropPct: 0.875, interpolation: 'bilinear' as const };
}

async function decodeAll(imgs: SourceImage[], size: number, failed: CorruptRunResult['failed']): Promise<(Buffer | null)[]> {
  const pre = releasedPreprocess(size);
  return Promise.all(
    imgs.map((im) =>
      decodeImageRgb(im.path, pre, { keepIfInputSize: true }).catch((e: unknown) => {
        failed.push({ path: im.path, error: e instanceof ImageDecodeError ? e.message : String(e) });
        return null;
      }),
    ),
  );
}

async function writeOnce(file: string, bytes: Buffer): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.part-${process.pid}`;
  await writeFile(tmp, bytes);
  await rename(tmp, file);
}

export async function runCorrupt(o: CorruptRunOptions): Promise<CorruptRunResult> {
  const t0 = performance.now();
  let images = sourceImages(o.data);
  if (o.limit !== undefined) images = images.slice(0, o.limit);
  const vs = variants(o.corruptions, o.severities);
  const manifest = openManifest(o.out, {
    tool: 'lkrobust corrupt',
    lkrobust_version: '',
    layout: RELEASED_LAYOUT,
    data: path.resolve(o.data),
    seed: o.seed,
    size: o.size,
    format: o.format,
    jpeg_quality: o.format === 'jpeg' ? RELEASED_JPEG_QUALITY : null,
    params_source: paramsSource(),
    frost: o.frost.describe,
    corruptions: o.corruptions,
    severities: o.severities,
    images: images.length,
    complete: false,
  });
  const total = images.length * vs.length;
  const failed: CorruptRunResult['failed'] = [];
  const B = o.batch ?? 32;
  let done = 0;
  let written = 0;
  let skipped = 0;
  let stopped = false;
  // Pending outputs of one chunk of images, per variant.
  const plan = (chunk: SourceImage[]) =>
    vs.map((v) => ({ v, todo: chunk.map((im, i) => (existsSync(outputPath(o.out, v, im.rel, o.format)) ? -1 : i)).filter((i) => i >= 0) }));
  const chunks: SourceImage[][] = [];
  for (let i = 0; i < images.length; i += B) chunks.push(images.slice(i, i + B));
  let next: Promise<(Buffer | null)[]> | null = null;
  const needsDecode = (chunk: SourceImage[]) => plan(chunk).some((p) => p.todo.length > 0);
  for (let c = 0; c < chunks.length && !stopped; c++) {
    const chunk = chunks[c];
    const work = plan(chunk);
    const pendingCount = work.reduce((a, p) => a + p.todo.length, 0);
    skipped += chunk.length * vs.length - pendingCount;
    done += chunk.length * vs.length - pendingCount;
    const crops = pendingCount ? await (next ?? decodeAll(chunk, o.size, failed)) : null;
    next = null;
    // Decode the next chunk while this one is corrupted.
    if (c + 1 < chunks.length && needsDecode(chunks[c + 1])) next = decodeAll(chunks[c + 1], o.size, failed);
    if (!crops) continue;
    for (const { v, todo } of work) {
      if (o.shouldStop?.()) {
        stopped = true;
        break;
      }
      const ok = todo.filter((i) => crops[i] !== null);
      done += todo.length - ok.length;
      if (!ok.length) continue;
      const files = await corruptToFiles(ok.map((i) => crops[i]!), ok.map((i) => chunk[i].rel), v as Variant, o);
      await Promise.all(ok.map((i, k) => writeOnce(outputPath(o.out, v, chunk[i].rel, o.format), files[k])));
      written += ok.length;
      done += ok.length;
      o.onProgress?.({ done, total, written, rate: written / ((performance.now() - t0) / 1000) });
    }
  }
  if (next) await next;
  const complete = !stopped && done === total && failed.length === 0;
  const seconds = (performance.now() - t0) / 1000;
  writeManifest(o.out, { ...manifest, complete, written, skipped_existing: skipped, failed_images: failed, seconds });
  return { total, written, skippedExisting: skipped, failed, complete, seconds };
}
