// Seeded training augmentation on RGB bytes: pad-and-crop (zero padding, a random crop back to size) and a
// horizontal flip with probability 1/2, then [0, 1] floats. Each batch's randomness is a pure function of
// (seed, epoch, batch index), so a resumed run draws exactly what an uninterrupted one does.
import type { Tensor } from '../native.js';
import { mulberry32 } from '../util/rng.js';
import type { ImageSet } from './data.js';

export interface AugmentOptions {
  /** Zero padding before the random crop (0 = no crop). */
  pad: number;
  flip: boolean;
}

export function streamSeed(seed: number, ...parts: number[]): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x85ebca6b) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h;
}

/** A seeded permutation of 0..n-1 (Fisher–Yates). */
export function permutation(n: number, seed: number): Int32Array {
  const rnd = mulberry32(seed);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

/** The images at `indices` as an (N, S, S, 3) batch, augmented when `aug` is given. */
export function makeBatch(set: ImageSet, indices: ArrayLike<number>, aug: AugmentOptions | null, seed: number): { x: Tensor; labels: number[] } {
  const S = set.size;
  const per = S * S * 3;
  const n = indices.length;
  const out = new Float32Array(n * per);
  const labels: number[] = [];
  const rnd = mulberry32(seed);
  for (let b = 0; b < n; b++) {
    const idx = indices[b]!;
    labels.push(set.labels[idx]!);
    const src = set.pixels.subarray(idx * per, (idx + 1) * per);
    const dst = b * per;
    const pad = aug?.pad ?? 0;
    const dy = pad ? Math.floor(rnd() * (2 * pad + 1)) - pad : 0;
    const dx = pad ? Math.floor(rnd() * (2 * pad + 1)) - pad : 0;
    const flip = aug?.flip ? rnd() < 0.5 : false;
    for (let y = 0; y < S; y++) {
      const sy = y + dy;
      if (sy < 0 || sy >= S) continue; // zero padding
      for (let x = 0; x < S; x++) {
        const ox = flip ? S - 1 - x : x;
        const sx = x + dx;
        if (sx < 0 || sx >= S) continue;
        const si = (sy * S + sx) * 3;
        const di = dst + (y * S + ox) * 3;
        out[di] = src[si]! / 255;
        out[di + 1] = src[si + 1]! / 255;
        out[di + 2] = src[si + 2]! / 255;
      }
    }
  }
  return { x: { shape: [n, S, S, 3], data: out }, labels };
}
