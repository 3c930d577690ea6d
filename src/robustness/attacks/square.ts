// Square Attack (Andriushchenko et al. 2020), L∞, as AutoAttack runs it: a score-based random search. Start
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
