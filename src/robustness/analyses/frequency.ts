// Band-limited noise (REFERENCE.md §6.5, §8): sign noise of amplitude eps in pixel units, band-passed in the
// centred 2-D spectrum with a square annulus (bands of width 0.1π labelled by their lower edge 0.0π … 0.9π),
// then added to the image and clipped to [0, 1].
import { type Complex2D, dft2, shift } from './fft.js';

export interface Band {
  /** Lower edge as a fraction of π (0.0 … 0.9). */
  low: number;
  /** Width as a fraction of π (0.1). */
  width: number;
}

/**
 * 1 inside the band of the centred spectrum (h × w), else 0. A bin at signed offsets (ky, kx) from the centre
 * has normalised frequency ρ = max(2|ky|/h, 2|kx|/w) in units of π (the square "radius" of [PK]'s annulus);
 * it is in the band when low ≤ ρ < low + width (the last band also takes ρ = 1, Nyquist). Using |k| keeps the
 * mask symmetric under k → −k, so real-valued noise keeps its energy inside the band (a half-open square on an
 * even grid would not).
 */
export function bandMask(h: number, w: number, band: Band): Uint8Array {
  const m = new Uint8Array(h * w);
  const cy = Math.floor(h / 2);
  const cx = Math.floor(w / 2);
  const hi = band.low + band.width;
  const eps = 1e-9;
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const rho = Math.max((2 * Math.abs(r - cy)) / h, (2 * Math.abs(c - cx)) / w);
      if (rho >= band.low - eps && (rho < hi - eps || (hi >= 1 - eps && rho <= 1 + eps))) m[r * w + c] = 1;
    }
  }
  return m;
}

/** Band-passes one channel (h × w, real) and returns the real part. */
export function bandPass(x: Float64Array, h: number, w: number, mask: Uint8Array): Float64Array {
  const spec = shift(dft2({ h, w, re: x, im: new Float64Array(h * w) }));
  for (let i = 0; i < h * w; i++) {
    if (!mask[i]) {
      spec.re[i] = 0;
      spec.im[i] = 0;
    }
  }
  const back: Complex2D = dft2(shift(spec, true), true);
  return back.re;
}

/** Fraction of `x`'s spectral energy (centred spectrum) inside `mask`. */
export function energyInside(x: Float64Array, h: number, w: number, mask: Uint8Array): number {
  const spec = shift(dft2({ h, w, re: x, im: new Float64Array(h * w) }));
  let inside = 0;
  let total = 0;
  for (let i = 0; i < h * w; i++) {
    const e = spec.re[i] * spec.re[i] + spec.im[i] * spec.im[i];
    total += e;
    if (mask[i]) inside += e;
  }
  return total > 0 ? inside / total : 0;
}

/**
 * Band-limited noise for a batch (N, H, W, 3) in pixel units: per image and channel, sign noise ±eps from
 * `rng`, band-passed. Returns the noise (not yet added).
 */
export function bandNoise(shape: number[], band: Band, eps: number, rng: () => number): Float32Array {
  const [n, h, w, ch] = shape;
  const out = new Float32Array(n * h * w * ch);
  const mask = bandMask(h, w, band);
  const plane = new Float64Array(h * w);
  for (let b = 0; b < n; b++) {
    for (let k = 0; k < ch; k++) {
      for (let i = 0; i < h * w; i++) plane[i] = rng() < 0.5 ? -eps : eps;
      const f = bandPass(plane, h, w, mask);
      for (let i = 0; i < h * w; i++) out[(b * h * w + i) * ch + k] = f[i];
    }
  }
  return out;
}

/** x + noise, clipped to [0, 1]. */
export function addClipped(x: Float32Array, noise: Float32Array): Float32Array {
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = Math.min(1, Math.max(0, x[i] + noise[i]));
  return y;
}
