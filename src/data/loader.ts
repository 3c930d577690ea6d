// A prefetching batch loader: decodes the next batches (native threads, one call per batch) while the engine
// works on the current one, so the engine does not wait for data. Unreadable images are skipped and
// reported with the batch, never fatal.
import type { Tensor } from '../native.js';
import type { Preprocess } from '../models/registry.js';
import { ImageDecodeError, preprocessInto, type LoadOptions } from './preprocess.js';

export interface Batch<T> {
  index: number;
  /** Items that decoded, in order; x holds exactly these. */
  items: T[];
  x: Tensor;
  failed: { item: T; error: string }[];
  /** Seconds spent decoding this batch (wall clock of its decode). */
  decodeSeconds: number;
}

export interface LoaderOptions extends LoadOptions {
  batchSize: number;
  /** Batches decoded ahead of the consumer (default 2). */
  prefetch?: number;
  /** Batch indices to skip (already done in an earlier run). */
  skip?: ReadonlySet<number>;
}

/** An item is read from `path`, or made in memory by `load` when it has one (generated benchmarks). */
type Loadable = { path: string; load?: () => Promise<Buffer> };

async function decodeBatch<T extends Loadable>(index: number, items: T[], pre: Preprocess, opts: LoaderOptions): Promise<Batch<T>> {
  const t0 = performance.now();
  const s = pre.inputSize;
  const per = s * s * 3;
  const data = new Float32Array(items.length * per);
  const ok: boolean[] = new Array(items.length).fill(false);
  const errors: (string | null)[] = new Array(items.length).fill(null);
  // One native call decodes the whole batch (OpenMP over its images); generated items are made first.
  const sources = await Promise.all(
    items.map(async (it, i) => {
      if (!it.load) return it.path;
      try {
        return await it.load();
      } catch (e) {
        errors[i] = `${it.path}: ${(e as Error).message}`;
        return null;
      }
    }),
  );
  const todo = sources.flatMap((src, i) => (src === null ? [] : [i]));
  const res = await preprocessInto(todo.map((i) => sources[i]!), pre, data, 0, opts, todo);
  res.forEach((r, k) => {
    const i = todo[k];
    if (r.ok) ok[i] = true;
    else errors[i] = new ImageDecodeError(items[i].path, r.error ?? 'unknown error').message;
  });
  const kept = items.filter((_, i) => ok[i]);
  let x: Tensor = { shape: [items.length, s, s, 3], data };
  if (kept.length !== items.length) {
    // Compact: drop the failed slots so x holds only decoded images.
    const compact = new Float32Array(kept.length * per);
    let j = 0;
    for (let i = 0; i < items.length; i++) if (ok[i]) compact.set(data.subarray(i * per, (i + 1) * per), j++ * per);
    x = { shape: [kept.length, s, s, 3], data: compact };
  }
  return {
    index,
    items: kept,
    x,
    failed: items.flatMap((item, i) => (ok[i] ? [] : [{ item, error: errors[i]! }])),
    decodeSeconds: (performance.now() - t0) / 1000,
  };
}

/** Batches of `items` in order (skipping opts.skip), decoded `prefetch` batches ahead. */
export async function* batches<T extends Loadable>(items: readonly T[], pre: Preprocess, opts: LoaderOptions): AsyncGenerator<Batch<T>> {
  const b = opts.batchSize;
  if (!Number.isInteger(b) || b < 1) throw new RangeError(`batch size: expected a positive integer, received ${b}`);
  const todo: number[] = [];
  for (let i = 0; i * b < items.length; i++) if (!opts.skip?.has(i)) todo.push(i);
  const depth = Math.max(1, opts.prefetch ?? 2);
  const pending: Promise<Batch<T>>[] = [];
  let k = 0;
  const fill = () => {
    while (pending.length < depth && k < todo.length) {
      const i = todo[k++];
      const p = decodeBatch(i, items.slice(i * b, (i + 1) * b), pre, opts);
      p.catch(() => {}); // surfaced when awaited; avoids an unhandled rejection if the consumer stops early
      pending.push(p);
    }
  };
  fill();
  while (pending.length) {
    const batch = await pending.shift()!;
    fill();
    yield batch;
  }
}

export function batchCount(n: number, batchSize: number): number {
  return Math.ceil(n / batchSize);
}
