// Runs a benchmark: batches of images through the model, a compact record per image appended to the run
// folder's journal as each batch finishes (so a killed run resumes without redoing work), then the summary.
import { batches } from '../data/loader.js';
import type { LoadOptions } from '../data/preprocess.js';
import { in9Map } from '../data/reference_data.js';
import { in9Predictions, restrictedArgmax, topk } from '../metrics/classification.js';
import { mspSubset } from '../metrics/ood.js';
import type { Model } from '../models/model.js';
import type { RunDir } from '../report/run_dir.js';
import type { PreparedBenchmark, Summary, UnitRecord } from './benchmarks.js';

export interface EvalProgress {
  done: number; // images finished (this run and earlier ones)
  total: number;
  imagesPerSecond: number; // this run
  engineBusy: number; // fraction of this run's wall time the engine was computing
}

export interface EvalOptions {
  batchSize: number;
  onProgress?: (p: EvalProgress) => void;
  /** Polled between batches: true stops after the current batch (Ctrl-C). */
  shouldStop?: () => boolean;
  /** Decoding opt-ins (EXIF rotation, ICC conversion) for the loader. */
  load?: Pick<LoadOptions, 'exifRotate' | 'colorManage'>;
}

export interface EvalOutcome extends Summary {
  complete: boolean;
  images: number;
  failed: { path: string; error: string }[];
  timing: { seconds: number; engine_seconds: number; decode_seconds: number; images_per_second: number; engine_busy: number; resumed_images: number };
}

/** The per-image records of one batch of logits. */
export function recordBatch(bench: PreparedBenchmark, firstUnits: number[], logits: { shape: number[]; data: Float32Array }): UnitRecord[] {
  const k = logits.shape[1];
  if (k !== 1000) throw new RangeError(`${bench.name}: expected a 1000-class model, received ${k} outputs`);
  const t5 = topk(logits, 5);
  const r = bench.columns ? restrictedArgmax(logits, bench.columns) : bench.name === 'imagenet-9' ? in9Predictions(logits, in9Map().index_to_class) : null;
  const m = bench.name === 'imagenet-o' ? mspSubset(logits, bench.columns!) : null;
  return firstUnits.map((u, i) => {
    const rec: UnitRecord = { u, t: Array.from(t5.subarray(i * 5, i * 5 + 5)) };
    if (r) rec.r = r[i];
    if (m) rec.m = m[i];
    return rec;
  });
}

export async function runEval(model: Model, bench: PreparedBenchmark, run: RunDir<UnitRecord>, o: EvalOptions): Promise<EvalOutcome> {
  const b = o.batchSize;
  const journal = run.done();
  const records = new Map<number, UnitRecord>();
  const failed: { path: string; error: string }[] = [];
  for (const line of journal.values()) {
    for (const r of line.records) records.set(r.u, r);
    failed.push(...line.failed);
  }
  const resumed = records.size + failed.length;
  const indexed = bench.units.map((u, i) => ({ ...u, i }));
  const t0 = performance.now();
  let engine = 0;
  let decode = 0;
  let fresh = 0;
  let stopped = false;
  for await (const batch of batches(indexed, model.entry.preprocess, { ...o.load, batchSize: b, skip: new Set(journal.keys()), keepIfInputSize: bench.keepIfInputSize })) {
    let recs: UnitRecord[] = [];
    if (batch.items.length) {
      const e0 = performance.now();
      const { logits } = await model.forward(batch.x);
      engine += (performance.now() - e0) / 1000;
      recs = recordBatch(bench, batch.items.map((it) => it.i), logits);
    }
    decode += batch.decodeSeconds;
    const bad = batch.failed.map((f) => ({ path: f.item.path, error: f.error }));
    run.append({ batch: batch.index, records: recs, failed: bad });
    for (const r of recs) records.set(r.u, r);
    failed.push(...bad);
    fresh += recs.length + bad.length;
    const wall = (performance.now() - t0) / 1000;
    o.onProgress?.({ done: records.size + failed.length, total: bench.units.length, imagesPerSecond: fresh / wall, engineBusy: engine / wall });
    if (o.shouldStop?.()) {
      stopped = true;
      break;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const s = bench.summarize(records, failed);
  return {
    ...s,
    complete: !stopped && records.size + failed.length === bench.units.length,
    images: records.size,
    failed,
    timing: {
      seconds,
      engine_seconds: engine,
      decode_seconds: decode,
      images_per_second: fresh / Math.max(seconds, 1e-9),
      engine_busy: engine / Math.max(seconds, 1e-9),
      resumed_images: resumed,
    },
  };
}
