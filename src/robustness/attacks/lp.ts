// Per-image L∞ / L2 geometry shared by APGD, Square and FAB: normalising a direction, projecting onto the ε-ball
// around the clean image intersected with [0,1], on flat NHWC batches (n images of `per` values each).
export type Norm = 'Linf' | 'L2';

export const NORMS: readonly Norm[] = ['Linf', 'L2'];

/** ‖v_b‖ (L∞: max |v|, L2: √Σv²) of each image b, in float64. */
export function normsOf(v: ArrayLike<number>, n: number, per: number, norm: Norm): Float64Array {
  const out = new Float64Array(n);
  for (let b = 0; b < n; b++) {
    let s = 0;
    const o = b * per;
    if (norm === 'Linf') {
      for (let j = 0; j < per; j++) {
        const a = Math.abs(v[o + j]);
        if (a > s) s = a;
      }
    } else {
      for (let j = 0; j < per; j++) s += v[o + j] * v[o + j];
      s = Math.sqrt(s);
    }
    out[b] = s;
  }
  return out;
}

/** v_b / (‖v_b‖ + 1e-12) per image, written to out (may be v). */
export function normalizeInto(out: Float32Array, v: ArrayLike<number>, n: number, per: number, norm: Norm): Float32Array {
  const t = normsOf(v, n, per, norm);
  for (let b = 0; b < n; b++) {
    const inv = 1 / (t[b] + 1e-12);
    const o = b * per;
    for (let j = 0; j < per; j++) out[o + j] = v[o + j] * inv;
  }
  return out;
}

/**
 * In place: p ← clip₀₁(Proj(p)) with Proj onto the ε-ball around x0: L∞ clips each value to x0 ± ε; L2 rescales
 * p − x0 to length min(ε, ‖p − x0‖) (as the reference writes it: x0 + δ/(‖δ‖+1e-12)·min(ε, ‖δ‖)).
 */
export function projectClip(p: Float32Array, x0: Float32Array, n: number, per: number, eps: number, norm: Norm): void {
  if (norm === 'Linf') {
    for (let i = 0; i < p.length; i++) {
      const lo = x0[i] - eps;
      const hi = x0[i] + eps;
      let v = p[i];
      v = v < lo ? lo : v > hi ? hi : v;
      p[i] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
    return;
  }
  for (let b = 0; b < n; b++) {
    const o = b * per;
    let s = 0;
    for (let j = 0; j < per; j++) {
      const d = p[o + j] - x0[o + j];
      s += d * d;
    }
    const len = Math.sqrt(s);
    const scale = Math.min(eps, len) / (len + 1e-12);
    for (let j = 0; j < per; j++) {
      const v = x0[o + j] + (p[o + j] - x0[o + j]) * scale;
      p[o + j] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
}

/** Largest per-image distance ‖adv − x0‖ in the norm (for the final report line and the tests). */
export function maxPerturbation(adv: Float32Array, x0: Float32Array, n: number, per: number, norm: Norm): number {
  const d = new Float32Array(adv.length);
  for (let i = 0; i < d.length; i++) d[i] = adv[i] - x0[i];
  return Math.max(0, ...normsOf(d, n, per, norm));
}

/** A standard normal from a uniform stream (Box–Muller). */
export function gaussian(rng: () => number): number {
  let u = rng();
  while (u <= 1e-300) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}
