// Small tensor utilities for tests: seeded random data and error measures.
import type { Tensor } from '../../src/native.js';
import { mulberry32 } from '../../src/util/rng.js';

/** mulberry32 (src/util/rng.ts): a tiny seeded PRNG, so every test case is reproducible. Floats in [0, 1). */
export const mulberry = mulberry32;

export function numel(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A tensor with values uniform in [lo, hi). */
export function rand(shape: number[], rng: () => number, lo = -1, hi = 1): Tensor {
  const data = new Float32Array(numel(shape));
  for (let i = 0; i < data.length; i++) data[i] = lo + (hi - lo) * rng();
  return { shape: [...shape], data };
}

/** ||a - b|| / max(||b||, tiny): relative L2 error of `a` against the reference `b`. */
export function relL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`relL2: lengths differ (${a.length} vs ${b.length})`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    num += d * d;
    den += b[i] * b[i];
  }
  if (!Number.isFinite(num)) return Infinity;
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
}

export function toF64(t: Tensor | { data: ArrayLike<number> }): Float64Array {
  return Float64Array.from(t.data);
}

/** The float32 tensor holding a float64 array (rounded), for feeding references' inputs to the engine. */
export function fromF64(shape: number[], data: Float64Array): Tensor {
  return { shape: [...shape], data: Float32Array.from(data) };
}

/** Throws unless `t` is a defined tensor of the given shape; returns it typed non-null. */
export function expectTensor(t: Tensor | null | undefined, shape: number[], what: string): Tensor {
  if (!t) throw new Error(`${what}: expected a tensor, received ${String(t)}`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`${what}: expected shape [${shape}], received [${t.shape}]`);
  }
  return t;
}
