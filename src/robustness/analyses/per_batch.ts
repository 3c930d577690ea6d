// The runner the data-driven analyses share: batches of images (prefetched), a function that scores one
// batch under every setting of the analysis (so per-batch work such as DINO saliency is done once), and a
// journal line per batch so that a killed run resumes. Each setting's score is top-1 correct counts.
import { batches } from '../../data/loader.js';
import type { ImageItem } from '../../data/layouts.js';
import type { Preprocess } from '../../models/registry.js';
import type { Tensor } from '../../native.js';
import type { RunDir } from '../../report/run_dir.js';

/** setting key -> per-image 1/0 (correct) for the batch's images, in order. */
export type BatchScores = Record<string, number[]>;

export interface PerBatchOptions {
  batchSize: number;
  onProgress?: (done: number, total: number, rate: number) => void;
  shouldStop?: () => boolean;
}

export interface PerBatchOutcome {
  /** setting key -> { n, correct } over every scored image. */
  totals: Map<string, { n: number; correct: number }>;
  images: number;
  failed: { path: string; error: string }[];
  complete: boolean;
  seconds: number;
}

interface Line {
  scores: BatchScores;
}

export async function runPerBatch(
  items: readonly ImageItem[],
  pre: Preprocess,
  run: RunDir<Line>,
  score: (x: Tensor, labels: number[], batchIndex: number) => Promise<BatchScores>,
  o: PerBatchOptions,
): Promise<PerBatchOutcome> {
  const done = run.done();
  const totals = new Map<string, { n: number; correct: number }>();
  const failed: { path: string; error: string }[] = [];
  let images = 0;
  const add = (s: BatchScores) => {
    for (const [k, v] of Object.entries(s)) {
      const t = totals.get(k) ?? { n: 0, correct: 0 };
      t.n += v.length;
      t.correct += v.reduce((a, b) => a + b, 0);
      totals.set(k, t);
    }
  };
  for (const line of done.values()) {
    if (line.records[0]) add(line.records[0].scores);
    failed.push(...line.failed);
    images += line.records[0] ? (Object.values(line.records[0].scores)[0]?.length ?? 0) : 0;
  }
  const t0 = performance.now();
  let fresh = 0;
  let stopped = false;
  for await (const b of batches(items, pre, { batchSize: o.batchSize, skip: new Set(done.keys()) })) {
    const s = b.items.length ? await score(b.x, b.items.map((i) => i.label), b.index) : {};
    run.append({ batch: b.index, records: [{ scores: s }], failed: b.failed.map((f) => ({ path: f.item.path, error: f.error })) });
    add(s);
    failed.push(...b.failed.map((f) => ({ path: f.item.path, error: f.error })));
    images += b.items.length;
    fresh += b.items.length + b.failed.length;
    o.onProgress?.(images + failed.length, items.length, fresh / ((performance.now() - t0) / 1000));
    if (o.shouldStop?.()) {
      stopped = true;
      break;
    }
  }
  return { totals, images, failed, complete: !stopped && images + failed.length === items.length, seconds: (performance.now() - t0) / 1000 };
}

/** 1/0 per row: argmax of logits (N, K) equals the label. */
export function correctFlags(logits: Tensor, labels: number[]): number[] {
  const k = logits.shape[1];
  return labels.map((label, i) => {
    let best = 0;
    const row = logits.data.subarray(i * k, (i + 1) * k);
    for (let j = 1; j < k; j++) if (row[j] > row[best]) best = j;
    return best === label ? 1 : 0;
  });
}
