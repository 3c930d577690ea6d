// Decode rate vs engine rate: is the engine ever waiting for JPEGs? Measures (0) the exact pixel pipeline's
// decode+preprocess rate beside Pillow + torchvision's (oracle venv, same files, same thread count, requests
// alternated so both see the same load), (1) the loader's decode alone, (2) the engine alone on decoded batches,
// (3) the real eval pipeline (prefetching loader + engine) and the fraction of its wall time the engine computed.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

import sharp from 'sharp';

import { preprocessInto } from '../data/preprocess.js';
import type { Preprocess } from '../models/registry.js';
import { oraclePythonPath } from './oracle.js';

import { batches } from '../data/loader.js';
import { syntheticImage } from '../data/synthetic.js';
import { Model } from '../models/model.js';
import { randomParams } from './model.js';

export interface LoaderBenchOptions {
  model: string;
  batch: number;
  images: number;
  width?: number; // JPEG size, ImageNet-like by default
  height?: number;
  /** Decode threads for the exact pipeline and for Pillow's thread pool (default: every core). */
  threads?: number;
  /** Timed repetitions of the decode comparison (best taken). */
  reps?: number;
}

export interface LoaderBenchResult {
  model: string;
  batch: number;
  images: number;
  jpeg: string;
  threads: number;
  /** The exact pipeline alone (native decode + Pillow-exact resampling), uint8 output. */
  exact_decode_images_per_second: number;
  /** Pillow + torchvision/timm on the same files and threads (null without the oracle venv). */
  pillow_decode_images_per_second: number | null;
  pillow: string | null;
  /** The loader (float output, batches) alone. */
  decode_images_per_second: number;
  engine_images_per_second: number;
  pipeline_images_per_second: number;
  engine_busy: number;
}

export async function benchLoader(o: LoaderBenchOptions): Promise<LoaderBenchResult> {
  const w = o.width ?? 500;
  const h = o.height ?? 375;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lkr-loader-bench-'));
  try {
    mkdirSync(dir, { recursive: true });
    const files: { path: string }[] = [];
    for (let i = 0; i < o.images; i++) {
      const f = path.join(dir, `${i}.JPEG`);
      const sq = syntheticImage(i % 50, i, Math.max(w, h));
      await sharp(sq, { raw: { width: Math.max(w, h), height: Math.max(w, h), channels: 3 } }).resize(w, h).jpeg({ quality: 90 }).toFile(f);
      files.push({ path: f });
    }
    const model = new Model(o.model);
    model.setParams(randomParams(model));
    const pre = model.entry.preprocess;
    const threads = o.threads ?? os.availableParallelism();
    const versus = await compareWithPillow(files.map((f) => f.path), pre, threads, o.reps ?? 3);
    // (1) decode only
    let t0 = performance.now();
    const decoded = [];
    for await (const b of batches(files, pre, { batchSize: o.batch })) decoded.push(b.x);
    const decodeS = (performance.now() - t0) / 1000;
    // (2) engine only, on the decoded batches (one warm-up first)
    await model.forward(decoded[0]);
    t0 = performance.now();
    for (const x of decoded) await model.forward(x);
    const engineS = (performance.now() - t0) / 1000;
    // (3) the pipeline as eval runs it
    let engine = 0;
    t0 = performance.now();
    for await (const b of batches(files, pre, { batchSize: o.batch })) {
      const e0 = performance.now();
      await model.forward(b.x);
      engine += (performance.now() - e0) / 1000;
    }
    const pipeS = (performance.now() - t0) / 1000;
    return {
      model: o.model,
      batch: o.batch,
      images: o.images,
      jpeg: `${w}x${h} q90`,
      threads,
      exact_decode_images_per_second: o.images / versus.ours,
      pillow_decode_images_per_second: versus.pillow === null ? null : o.images / versus.pillow,
      pillow: versus.version,
      decode_images_per_second: o.images / decodeS,
      engine_images_per_second: o.images / engineS,
      pipeline_images_per_second: o.images / pipeS,
      engine_busy: engine / pipeS,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Best seconds for all files, ours and Pillow's, timed alternately (ours, Pillow, ours, ...).
async function compareWithPillow(
  files: string[],
  pre: Preprocess,
  threads: number,
  reps: number,
): Promise<{ ours: number; pillow: number | null; version: string | null }> {
  const out = new Uint8Array(files.length * pre.inputSize * pre.inputSize * 3);
  const oursOnce = async () => {
    const t0 = performance.now();
    const res = await preprocessInto(files, pre, out, 0, { threads });
    if (res.some((r) => !r.ok)) throw new Error(`bench loader: ${res.find((r) => !r.ok)!.error}`);
    return (performance.now() - t0) / 1000;
  };
  await oursOnce(); // warm-up
  const py = oraclePythonPath();
  const script = new URL('../../scripts/bench/pillow_loader.py', import.meta.url).pathname;
  if (!py) {
    let ours = Infinity;
    for (let r = 0; r < reps; r++) ours = Math.min(ours, await oursOnce());
    return { ours, pillow: null, version: null };
  }
  const args = { files, threads, size: pre.inputSize, crop_pct: pre.cropPct, interpolation: pre.interpolation };
  const child = spawn(py, [script, JSON.stringify(args)], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, OMP_NUM_THREADS: '1' } });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const l = await lines.next();
    if (l.done) throw new Error('bench loader: the Pillow reference exited early');
    return JSON.parse(l.value) as Record<string, unknown>;
  };
  try {
    const ready = await next();
    let ours = Infinity;
    let pillow = Infinity;
    for (let r = 0; r < reps; r++) {
      ours = Math.min(ours, await oursOnce());
      child.stdin.write('1\n');
      pillow = Math.min(pillow, (await next()).seconds as number);
    }
    return { ours, pillow, version: `Pillow ${ready.pillow} (libjpeg-turbo ${ready.libjpeg_turbo})` };
  } finally {
    child.stdin.end();
    child.kill();
  }
}
