// Band-limited noise (REFERENCE.md §6.5, §8): sign noise of amplitude eps in pixel units, band-passed in the
// centred 2-D spectrum with a square annulus (bands of width 0.1π labelled by their lower edge 0.0π … 0.9π),
// then added to the image and clipped to [0, 1].
import { runOp, type Tensor } from '../../native.js';
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

/**
 * The 1-D low-pass of the box {ρ < f}: the real symmetric circulant n × n matrix A with
 * A[i][j] = (1/n) Σ_k m(k) cos(2π k (i − j) / n), where m(k) = 1 when the signed frequency k (centred, as in
 * `bandMask`) has 2|k|/n < f, else 0 (f ≥ 1: every bin, A = I). The square annulus of `bandMask` separates:
 * band(low, hi) = box(hi) − box(low) and box(f) = rect_y(f) ⊗ rect_x(f), so band-passing a plane X (h × w) is
 * A_hi X A_hiᵀ − A_low X A_lowᵀ, two matrix products per box that the engine runs for a whole batch at once.
 */
export function boxMatrix(n: number, f: number): Float32Array {
  const eps = 1e-9;
  const a = new Float32Array(n * n);
  if (f >= 1 - eps) {
    for (let i = 0; i < n; i++) a[i * n + i] = 1;
    return a;
  }
  const c = Math.floor(n / 2);
  const ks: number[] = [];
  for (let r = 0; r < n; r++) if ((2 * Math.abs(r - c)) / n < f - eps) ks.push(r - c);
  const row = new Float64Array(n); // A depends on (i − j) mod n only
  for (let d = 0; d < n; d++) {
    let s = 0;
    for (const k of ks) s += Math.cos((2 * Math.PI * ((k * d) % n)) / n);
    row[d] = s / n;
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = row[(((i - j) % n) + n) % n];
  return a;
}

/** Sign noise ±eps for a batch, laid out planar (N, C, H, W), drawn image by image, channel by channel. */
export function signNoisePlanar(shape: number[], eps: number, rng: () => number): Float32Array {
  const [n, h, w, ch] = shape;
  const out = new Float32Array(n * h * w * ch);
  for (let i = 0; i < out.length; i++) out[i] = rng() < 0.5 ? -eps : eps;
  return out;
}

/**
 * Band-limited noise for a batch (N, H, W, C) in every band of `bands`, from one sign-noise field per image and
 * channel (the same field is band-passed into each band; each band's noise is exactly `bandPass` of it). All
 * filtering is batched engine matrix products (no per-image transform). Calls `each(i, noise)` with band i's NHWC
 * noise, band by band in the order given (the next band is computed after `each` settles, so only one band's
 * noise and the box outputs still needed are held). `signs` (planar N, C, H, W) may be given, else drawn from `rng`.
 */
export async function eachBandNoise(
  shape: number[],
  bands: Band[],
  eps: number,
  rng: () => number,
  each: (i: number, noise: Float32Array) => Promise<void> | void,
  signs?: Float32Array,
): Promise<void> {
  const [n, h, w, ch] = shape;
  const x: Tensor = { shape: [n, ch, h, w], data: signs ?? signNoisePlanar(shape, eps, rng) };
  const edge = (f: number) => (f <= 1e-9 ? null : Math.round(Math.min(1, f) * 1e6) / 1e6);
  const edges = bands.map((b) => [edge(b.low + b.width), edge(b.low)] as const);
  const uses = new Map<number, number>();
  for (const pair of edges) for (const e of pair) if (e !== null) uses.set(e, (uses.get(e) ?? 0) + 1);
  // Box outputs by edge, in (N, C, W, H) layout: A_h (X A_wᵀ)ᵀ per plane, computed once per distinct edge.
  const boxes = new Map<number, Float32Array>();
  const box = async (f: number | null): Promise<Float32Array | null> => {
    if (f === null) return null; // the empty box
    let z = boxes.get(f);
    if (!z) {
      const [y] = await runOp('linear', [x, { shape: [w, w], data: boxMatrix(w, f) }, null]); // along W (A symmetric)
      const [yt] = await runOp('permute', [y!], { dims: [0, 1, 3, 2] }); // (N, C, W, H)
      const [zz] = await runOp('linear', [yt!, { shape: [h, h], data: boxMatrix(h, f) }, null]); // along H
      z = zz!.data;
      boxes.set(f, z);
    }
    const left = uses.get(f)! - 1;
    uses.set(f, left);
    if (left === 0) boxes.delete(f);
    return z;
  };
  for (let bi = 0; bi < bands.length; bi++) {
    const hi = await box(edges[bi][0]);
    const lo = await box(edges[bi][1]);
    const noise = new Float32Array(n * h * w * ch);
    // (N, C, W, H) -> NHWC, hi − lo.
    for (let im = 0; im < n; im++) {
      for (let k = 0; k < ch; k++) {
        const base = (im * ch + k) * w * h;
        for (let c = 0; c < w; c++) {
          for (let r = 0; r < h; r++) {
            noise[((im * h + r) * w + c) * ch + k] = (hi ? hi[base + c * h + r] : 0) - (lo ? lo[base + c * h + r] : 0);
          }
        }
      }
    }
    await each(bi, noise);
  }
}

/** `eachBandNoise` collected into an array (tests, small batches). */
export async function bandNoiseBatch(shape: number[], bands: Band[], eps: number, rng: () => number, signs?: Float32Array): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  await eachBandNoise(shape, bands, eps, rng, (_, noise) => void out.push(noise), signs);
  return out;
}

/** x + noise, clipped to [0, 1]. */
export function addClipped(x: Float32Array, noise: Float32Array): Float32Array {
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = Math.min(1, Math.max(0, x[i] + noise[i]));
  return y;
}
