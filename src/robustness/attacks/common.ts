// What every attack shares: the small model interface the attacks are written against (a real engine Model
// satisfies it, and so do the hand-written JS models of ./toy.ts), per-channel L∞ budgets in [0,1] pixel
// units, the ε-ball projection, and per-image random streams that do not depend on batching or sharding.
import type { Tensor } from '../../native.js';
import { mulberry32 } from '../../util/rng.js';

/**
 * The model as attacks see it. Inputs are NHWC in [0,1] pixel units (normalisation is the model's own first op).
 * inputGradient returns the logits at x and, for `labels`, d(sum over the batch of cross-entropy)/dx; for
 * `dlogits`, d<logits, dlogits>/dx; both in pixel units, shaped like x.
 */
export interface AttackModel {
  forward(x: Tensor): Promise<{ logits: Tensor }>;
  inputGradient(x: Tensor, target: { labels: number[] } | { dlogits: Tensor }): Promise<{ logits: Tensor; grad: Tensor }>;
}

/** An L∞ budget in pixel units: one number, or one per channel (the input's last axis). */
export type Budget = number | readonly number[];

/** One value per channel (length C), checked finite and ≥ 0. */
export function perChannel(b: Budget, channels: number, what: string): Float64Array {
  const v = typeof b === 'number' ? new Array<number>(channels).fill(b) : [...b];
  if (v.length !== channels) throw new RangeError(`${what}: expected one value or ${channels} (one per channel), received ${v.length}`);
  for (const x of v) if (!Number.isFinite(x) || x < 0) throw new RangeError(`${what}: expected finite values ≥ 0, received ${x}`);
  return Float64Array.from(v);
}

export function checkBatch(x: Tensor, labels: readonly number[]): { n: number; per: number; channels: number } {
  if (x.shape.length < 2) throw new RangeError(`attack input: expected (N, ..., C), received shape [${x.shape}]`);
  const n = x.shape[0];
  if (labels.length !== n) throw new RangeError(`attack labels: expected ${n} (one per image), received ${labels.length}`);
  const per = x.data.length / Math.max(n, 1);
  return { n, per, channels: x.shape[x.shape.length - 1] };
}

export function copyTensor(x: Tensor): Tensor {
  return { shape: [...x.shape], data: new Float32Array(x.data) };
}

/** torch.sign: -1, 0 or 1. */
export function sign(v: number): number {
  return v > 0 ? 1 : v < 0 ? -1 : 0;
}

/**
 * x ← clip₀₁(clip(x + step·dir, x0 − ε, x0 + ε)) in place, element-wise with per-channel step and ε
 * (the order of torchattacks' PGD: step, project onto the ball, then clip to [0,1]).
 */
export function stepProjectClip(x: Float32Array, x0: Float32Array, dir: ArrayLike<number>, step: Float64Array, eps: Float64Array): void {
  const c = eps.length;
  for (let i = 0; i < x.length; i++) {
    const k = i % c;
    let v = x[i] + step[k] * dir[i];
    const lo = x0[i] - eps[k];
    const hi = x0[i] + eps[k];
    v = v < lo ? lo : v > hi ? hi : v;
    x[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
}

/** Row-wise argmax of (N, K) logits. */
export function argmax(logits: Tensor): number[] {
  const [n, k] = logits.shape;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (logits.data[i * k + j] > logits.data[i * k + best]) best = j;
    out.push(best);
  }
  return out;
}

/** Cross-entropy per row of (N, K) logits (float64, log-sum-exp stabilised). */
export function crossEntropy(logits: Tensor, labels: readonly number[]): number[] {
  const [n, k] = logits.shape;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = logits.data.subarray(i * k, (i + 1) * k);
    let m = -Infinity;
    for (const v of row) m = Math.max(m, v);
    let s = 0;
    for (const v of row) s += Math.exp(v - m);
    out.push(m + Math.log(s) - row[labels[i]]);
  }
  return out;
}

/** A one-hot (N, K) output gradient: d<logits, dlogits>/dx is then d(logit of label)/dx. */
export function oneHot(labels: readonly number[], classes: number): Tensor {
  const data = new Float32Array(labels.length * classes);
  labels.forEach((y, i) => {
    if (!Number.isInteger(y) || y < 0 || y >= classes) throw new RangeError(`label ${y} outside 0..${classes - 1}`);
    data[i * classes + y] = 1;
  });
  return { shape: [labels.length, classes], data };
}

/**
 * A random stream for one image: the same (seed, image id) gives the same numbers whatever the batch size,
 * shard or resume point, so a rerun reproduces every adversarial image.
 */
export function imageRng(seed: number, id: number): () => number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (id >>> 0) ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return mulberry32(h);
}

/** Options every iterative attack takes: which iterates to report, and the random streams. */
export interface IterateOptions {
  /** Step counts at which to report the iterate (ascending or not; the largest is the run's length). */
  checkpoints: readonly number[];
  /** Seed of the per-image random streams (random start, TAIG-R path noise). */
  seed?: number;
  /** Stable per-image ids for the random streams (default 0..N−1): use dataset indices so batching is irrelevant. */
  ids?: readonly number[];
}

/** An iterate reported at `steps`; `logits` are the model's at x when the attack already computed them. */
export interface Checkpoint {
  steps: number;
  x: Tensor;
  logits?: Tensor;
}

export function sortedCheckpoints(c: readonly number[], what: string): number[] {
  if (!c.length) throw new RangeError(`${what}: expected at least one step count`);
  for (const s of c) if (!Number.isInteger(s) || s < 1) throw new RangeError(`${what}: step counts must be integers ≥ 1, received ${s}`);
  return [...new Set(c)].sort((a, b) => a - b);
}

export function idsOf(o: IterateOptions, n: number): readonly number[] {
  const ids = o.ids ?? Array.from({ length: n }, (_, i) => i);
  if (ids.length !== n) throw new RangeError(`ids: expected ${n} (one per image), received ${ids.length}`);
  return ids;
}
