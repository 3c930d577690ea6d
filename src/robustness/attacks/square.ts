// Square Attack (Andriushchenko et al. 2020), L∞ (and L2: squareL2 below), as AutoAttack runs it. L∞: a score-based random search. Start
// from vertical stripes x0 ± ε (a sign per column and channel); each query draws a square window (side from
// the schedule of p: p_init, halved at queries 10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000 of 10 000, the
// reference's unrescaled schedule) and sets it to x0 ± ε with one sign per channel; the proposal is kept when
// the margin loss z_y − max_{j≠y} z_j drops, or the image becomes misclassified (margin ≤ 0), which ends
// its search.
//
// The reference draws one window position and one sign set per query for the whole batch; here each image
// draws its own from its own stream, so results do not depend on batching or sharding (the search's statistics
// per image are the same). Each query is one forward call on the images still being searched.
import type { Tensor } from '../../native.js';
import { argmax, imageRng } from './common.js';
import type { AttackResult } from './apgd.js';
import { margins } from './dlr.js';
import type { LossModel } from './loss_model.js';

export interface SquareOptions {
  eps: number;
  /** Queries per image (reference: 5 000). */
  queries: number;
  /** Initial fraction of pixels in a square (reference: 0.8). */
  pInit?: number;
  /** Restarts (reference: 1). */
  restarts?: number;
  seed: number;
  ids: readonly number[];
}

/** The fraction p at query `it` (the reference's schedule without rescaling to the query budget). */
export function squareP(it: number, pInit: number): number {
  const stops = [10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000];
  let d = 1;
  for (const s of stops) if (it > s) d *= 2;
  return pInit / d;
}

/** Python's round(): halves to even. */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const r = v - f;
  if (r > 0.5) return f + 1;
  if (r < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

export async function squareLinf(model: LossModel, x: Tensor, labels: readonly number[], o: SquareOptions): Promise<AttackResult> {
  if (x.shape.length !== 4) throw new RangeError(`Square: expected images (N, H, W, C), received shape [${x.shape}]`);
  if (!(o.eps > 0)) throw new RangeError(`Square eps: expected > 0, received ${o.eps}`);
  if (!Number.isInteger(o.queries) || o.queries < 1) throw new RangeError(`Square queries: expected an integer ≥ 1, received ${o.queries}`);
  const [n, h, w, c] = x.shape;
  const per = h * w * c;
  const eps = o.eps;
  const pInit = o.pInit ?? 0.8;
  const adv = new Float32Array(x.data);
  const clean = argmax((await model.forward(x)).logits);
  const broken = clean.map((p, i) => p !== labels[i]);
  for (let restart = 0; restart < (o.restarts ?? 1); restart++) {
    const idx = Array.from({ length: n }, (_, i) => i).filter((i) => !broken[i]);
    if (!idx.length) break;
    const m = idx.length;
    const rngs = idx.map((i) => imageRng(o.seed ^ Math.imul(restart + 1, 0x5bd1e995), o.ids[i]));
    const ys = idx.map((i) => labels[i]);
    const x0 = new Float32Array(m * per);
    idx.forEach((i, b) => x0.set(x.data.subarray(i * per, (i + 1) * per), b * per));
    // Stripes: one sign per (column, channel) of each image.
    const best = new Float32Array(m * per);
    const sgn = new Float32Array(w * c);
    for (let b = 0; b < m; b++) {
      for (let q = 0; q < w * c; q++) sgn[q] = 2 * rngs[b]() - 1 > 0 ? 1 : -1;
      for (let r = 0; r < h; r++) {
        for (let q = 0; q < w * c; q++) {
          const i = b * per + r * w * c + q;
          const v = x0[i] + eps * sgn[q];
          best[i] = v < 0 ? 0 : v > 1 ? 1 : v;
        }
      }
    }
    const margin = margins((await model.forward({ shape: [m, h, w, c], data: best })).logits, ys);
    let act = Array.from({ length: m }, (_, b) => b).filter((b) => margin[b] > 0);
    const trial = new Float32Array(m * per);
    const signs = new Float32Array(c);
    for (let it = 0; it < o.queries && act.length; it++) {
      const p = squareP(it, pInit);
      const s = Math.min(Math.max(roundHalfEven(Math.sqrt((p * per) / c)), 1), Math.min(h, w));
      const na = act.length;
      const xn = new Float32Array(na * per);
      act.forEach((b, a) => {
        const rng = rngs[b];
        const vh = Math.floor(rng() * (h - s));
        const vw = Math.floor(rng() * (w - s));
        for (let k = 0; k < c; k++) signs[k] = 2 * rng() - 1 > 0 ? 2 * eps : -2 * eps;
        const dst = xn.subarray(a * per, (a + 1) * per);
        dst.set(best.subarray(b * per, (b + 1) * per));
        const xc = x0.subarray(b * per, (b + 1) * per);
        for (let r = vh; r < vh + s; r++) {
          for (let q = vw; q < vw + s; q++) {
            const o0 = (r * w + q) * c;
            for (let k = 0; k < c; k++) {
              const lo = xc[o0 + k] - eps;
              const hi = xc[o0 + k] + eps;
              let v = dst[o0 + k] + signs[k];
              v = v < lo ? lo : v > hi ? hi : v;
              dst[o0 + k] = v < 0 ? 0 : v > 1 ? 1 : v;
            }
          }
        }
      });
      const mg = margins((await model.forward({ shape: [na, h, w, c], data: xn })).logits, act.map((b) => ys[b]));
      act.forEach((b, a) => {
        if (mg[a] < margin[b] || mg[a] <= 0) {
          margin[b] = mg[a];
          best.set(xn.subarray(a * per, (a + 1) * per), b * per);
        }
      });
      act = act.filter((b) => margin[b] > 0);
    }
    trial.set(best);
    const pred = argmax((await model.forward({ shape: [m, h, w, c], data: trial })).logits);
    idx.forEach((i, b) => {
      if (pred[b] !== labels[i]) {
        broken[i] = true;
        adv.set(trial.subarray(b * per, (b + 1) * per), i * per);
      }
    });
  }
  return { x: { shape: [...x.shape], data: adv }, broken, zeroGradient: broken.map(() => false) };
}

/** One half of Square-L2's window pattern: rings of weight 1/(r+1)² around the centre of an (a × b) block, unit norm. */
function etaRect(a: number, b: number): Float64Array {
  const d = new Float64Array(a * b);
  let r0 = Math.floor(a / 2);
  let c0 = Math.floor(b / 2);
  const rings = Math.max(Math.floor(a / 2) + 1, Math.floor(b / 2) + 1);
  for (let k = 0; k < rings; k++) {
    for (let r = Math.max(r0, 0); r < Math.min(r0 + 2 * k + 1, a); r++) {
      for (let c = Math.max(c0, 0); c < Math.min(c0 + 2 * k + 1, b); c++) d[r * b + c] += 1 / (k + 1) ** 2;
    }
    r0--;
    c0--;
  }
  let s = 0;
  for (const v of d) s += v * v;
  const inv = 1 / Math.sqrt(s);
  return d.map((v) => v * inv);
}

/** Square-L2's s × s window: +rings on the top half, −rings on the bottom, unit norm, transposed half the time. */
function etaSquare(s: number, rng: () => number): Float64Array {
  const top = etaRect(Math.floor(s / 2), s);
  const bottom = etaRect(s - Math.floor(s / 2), s);
  const d = new Float64Array(s * s);
  d.set(top, 0);
  for (let i = 0; i < bottom.length; i++) d[top.length + i] = -bottom[i];
  let n2 = 0;
  for (const v of d) n2 += v * v;
  const inv = 1 / Math.sqrt(n2);
  for (let i = 0; i < d.length; i++) d[i] *= inv;
  if (rng() > 0.5) {
    const t = new Float64Array(s * s);
    for (let r = 0; r < s; r++) for (let c = 0; c < s; c++) t[c * s + r] = d[r * s + c];
    return t;
  }
  return d;
}

/** x0 + ε·δ/‖δ‖ clipped to [0,1], for one image. */
function placeL2(out: Float32Array, x0: Float32Array, delta: Float64Array, eps: number): void {
  let s = 0;
  for (const v of delta) s += v * v;
  const k = eps / (Math.sqrt(s) + 1e-12);
  for (let i = 0; i < out.length; i++) {
    const v = x0[i] + delta[i] * k;
    out[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
}

/**
 * Square Attack, L2 (the reference's L2 search): a start of ±(ring patterns) on a 5 × 5 grid of windows; each query
 * moves the perturbation's mass from a second random window into the first, refilled with a fresh ±ring pattern
 * per channel, so the image keeps norm ε; kept when the margin drops or the image is misclassified.
 */
export async function squareL2(model: LossModel, x: Tensor, labels: readonly number[], o: SquareOptions): Promise<AttackResult> {
  if (x.shape.length !== 4) throw new RangeError(`Square: expected images (N, H, W, C), received shape [${x.shape}]`);
  if (!(o.eps > 0)) throw new RangeError(`Square eps: expected > 0, received ${o.eps}`);
  if (!Number.isInteger(o.queries) || o.queries < 1) throw new RangeError(`Square queries: expected an integer ≥ 1, received ${o.queries}`);
  const [n, h, w, c] = x.shape;
  if (h < 5 || w < 5) throw new RangeError(`Square L2: expected images of at least 5 × 5, received ${h} × ${w}`);
  const per = h * w * c;
  const eps = o.eps;
  const pInit = o.pInit ?? 0.8;
  const adv = new Float32Array(x.data);
  const broken = argmax((await model.forward(x)).logits).map((p, i) => p !== labels[i]);
  const at = (r: number, q: number, k: number) => (r * w + q) * c + k;
  for (let restart = 0; restart < (o.restarts ?? 1); restart++) {
    const idx = Array.from({ length: n }, (_, i) => i).filter((i) => !broken[i]);
    if (!idx.length) break;
    const m = idx.length;
    const rngs = idx.map((i) => imageRng(o.seed ^ Math.imul(restart + 7, 0x5bd1e995), o.ids[i]));
    const ys = idx.map((i) => labels[i]);
    const x0 = new Float32Array(m * per);
    idx.forEach((i, b) => x0.set(x.data.subarray(i * per, (i + 1) * per), b * per));
    const best = new Float32Array(m * per);
    const s0 = Math.floor(h / 5);
    const sp = Math.floor((h - 5 * s0) / 2);
    const delta = new Float64Array(per);
    for (let b = 0; b < m; b++) {
      delta.fill(0);
      for (let gi = 0, vh = sp; gi < Math.floor(h / s0); gi++, vh += s0) {
        for (let gj = 0, vw = sp; gj < Math.floor(w / s0); gj++, vw += s0) {
          const e = etaSquare(s0, rngs[b]);
          for (let k = 0; k < c; k++) {
            const sg = 2 * rngs[b]() - 1 > 0 ? 1 : -1;
            for (let r = 0; r < s0; r++) for (let q = 0; q < s0; q++) if (vh + r < h && vw + q < w) delta[at(vh + r, vw + q, k)] += sg * e[r * s0 + q];
          }
        }
      }
      placeL2(best.subarray(b * per, (b + 1) * per), x0.subarray(b * per, (b + 1) * per), delta, eps);
    }
    const margin = margins((await model.forward({ shape: [m, h, w, c], data: best })).logits, ys);
    let act = Array.from({ length: m }, (_, b) => b).filter((b) => margin[b] > 0);
    for (let it = 0; it < o.queries && act.length; it++) {
      const p = squareP(it, pInit);
      let s = Math.max(roundHalfEven(Math.sqrt((p * per) / c)), 3);
      if (s % 2 === 0) s++;
      s = Math.min(s, Math.min(h, w));
      const na = act.length;
      const xn = new Float32Array(na * per);
      act.forEach((b, a) => {
        const rng = rngs[b];
        const xc = x0.subarray(b * per, (b + 1) * per);
        const xb = best.subarray(b * per, (b + 1) * per);
        for (let i = 0; i < per; i++) delta[i] = xb[i] - xc[i];
        const vh = Math.floor(rng() * (h - s));
        const vw = Math.floor(rng() * (w - s));
        const vh2 = Math.floor(rng() * (h - s));
        const vw2 = Math.floor(rng() * (w - s));
        const inW = (r: number, q: number, r0: number, q0: number) => r >= r0 && r < r0 + s && q >= q0 && q < q0 + s;
        let img2 = 0;
        for (const v of delta) img2 += v * v;
        const e = etaSquare(s, rng);
        const fresh = new Float64Array(s * s * c);
        for (let k = 0; k < c; k++) {
          // Per channel: the mass in window 1, and in the union of both windows.
          let w1 = 0;
          let both = 0;
          for (let r = 0; r < h; r++) {
            for (let q = 0; q < w; q++) {
              const a1 = inW(r, q, vh, vw);
              if (!a1 && !inW(r, q, vh2, vw2)) continue;
              const v = delta[at(r, q, k)];
              if (a1) w1 += v * v;
              both += v * v;
            }
          }
          const sg = 2 * rng() - 1 > 0 ? 1 : -1;
          const inv1 = 1 / (1e-12 + Math.sqrt(w1));
          let f2 = 0;
          for (let r = 0; r < s; r++) {
            for (let q = 0; q < s; q++) {
              const v = sg * e[r * s + q] + delta[at(vh + r, vw + q, k)] * inv1;
              fresh[(r * s + q) * c + k] = v;
              f2 += v * v;
            }
          }
          const scale = Math.sqrt(Math.max(eps * eps - img2, 0) / c + both) / (1e-12 + Math.sqrt(f2));
          for (let i = 0; i < s * s; i++) fresh[i * c + k] *= scale;
        }
        for (let r = vh2; r < vh2 + s; r++) for (let q = vw2; q < vw2 + s; q++) for (let k = 0; k < c; k++) delta[at(r, q, k)] = 0;
        for (let r = 0; r < s; r++) for (let q = 0; q < s; q++) for (let k = 0; k < c; k++) delta[at(vh + r, vw + q, k)] = fresh[(r * s + q) * c + k];
        placeL2(xn.subarray(a * per, (a + 1) * per), xc, delta, eps);
      });
      const mg = margins((await model.forward({ shape: [na, h, w, c], data: xn })).logits, act.map((b) => ys[b]));
      act.forEach((b, a) => {
        if (mg[a] < margin[b] || mg[a] <= 0) {
          margin[b] = mg[a];
          best.set(xn.subarray(a * per, (a + 1) * per), b * per);
        }
      });
      act = act.filter((b) => margin[b] > 0);
    }
    const pred = argmax((await model.forward({ shape: [m, h, w, c], data: best })).logits);
    idx.forEach((i, b) => {
      if (pred[b] !== labels[i]) {
        broken[i] = true;
        adv.set(best.subarray(b * per, (b + 1) * per), i * per);
      }
    });
  }
  return { x: { shape: [...x.shape], data: adv }, broken, zeroGradient: broken.map(() => false) };
}
