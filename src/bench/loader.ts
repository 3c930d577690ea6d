// Decode rate vs engine rate: is the engine ever waiting for JPEGs? Measures (1) decode+preprocess alone,
// (2) the engine alone on decoded batches, (3) the real eval pipeline (prefetching loader + engine) and the
// fraction of its wall time the engine was computing.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import sharp from 'sharp';

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
}

export interface LoaderBenchResult {
  model: string;
  batch: number;
  images: number;
  jpeg: string;
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
      decode_images_per_second: o.images / decodeS,
      engine_images_per_second: o.images / engineS,
      pipeline_images_per_second: o.images / pipeS,
      engine_busy: engine / pipeS,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
