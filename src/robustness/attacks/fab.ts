// FAB-T (Croce & Hein 2020, "Minimally distorted adversarial examples with a fast adaptive boundary attack"),
// targeted, L∞ and L2, as AutoAttack runs it: for each target class (2nd … 10th highest clean logit) FAB walks
// towards the linearised decision boundary between the true class y and the target t: with f = z_t − z_y and
// its input gradient w, it projects both the iterate and the clean image onto the hyperplane {z: f + <w, z − x> = 0}
// inside [0,1] (minimal L∞ or L2 step, projectOnHyperplane), moves to a convex combination of the two
// (overshoot η = 1.05, weight α = min(‖d₁‖/(‖d₁‖+‖d₂‖), α_max = 0.1)), and when the iterate is misclassified
// keeps it if it is the closest so far, then steps back towards the clean image by β = 0.9. An image counts
// as broken when its closest adversarial image lies within ε.
//
// One engine call per iteration (the gradient of z_t − z_y through dlogits, whose logits also say whether the
// previous step landed on an adversarial image); iterates that step back need a second call for their rows.
// Images are retired once an adversarial image within ε is found (the verdict cannot change).
import type { Tensor } from '../../native.js';
import { argmax, imageRng } from './common.js';
import type { AttackResult } from './apgd.js';
import { rankedClass } from './dlr.js';
import type { LossModel } from './loss_model.js';
import { gaussian, type Norm, normsOf } from './lp.js';

export interface FabOptions {
  norm: Norm;
  eps: number;
  iterations: number;
  /** Restarts per target class (AutoAttack: 1; restarts after the first start at a random point). */
  restarts: number;
  targetClasses: number;
  alphaMax?: number;
  eta?: number;
  beta?: number;
  seed: number;
  ids: readonly number[];
}

/**
 * The minimal step d (L∞ or L2) with <w, t + d> = b and t + d in [0,1]; when no point of the box reaches the
 * hyperplane, the box corner nearest to it. Written to d; w and t are one image's flat values.
 */
export function projectOnHyperplane(d: Float64Array, t: ArrayLike<number>, w: ArrayLike<number>, b: number, norm: Norm): void {
  const n = t.length;
  let c = -b;
  for (let i = 0; i < n; i++) c += w[i] * t[i];
  // Orient so that the step must lower <w, ·> by r = |<w,t> − b|: each coordinate moves against sign(w_i)·s,
  // at most cap_i to the box side it moves towards.
  const s = c >= 0 ? 1 : -1;
  const r = Math.abs(c);
  const cap = new Float64Array(n);
  const aw = new Float64Array(n);
  let full = 0;
  for (let i = 0; i < n; i++) {
    const wi = s * w[i];
    aw[i] = Math.abs(wi);
    cap[i] = wi > 0 ? t[i] : wi < 0 ? 1 - t[i] : 0;
    full += aw[i] * cap[i];
  }
  // Each coordinate moves min(λ·k_i, cap_i) with k_i = 1 (L∞) or |w_i| (L2); g(λ) = Σ|w_i|·min(λk_i, cap_i) rises in λ.
  const k = (i: number) => (norm === 'Linf' ? 1 : aw[i]);
  let lambda: number;
  if (r >= full) {
    lambda = Infinity;
  } else {
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < n; i++) if (aw[i] > 0) hi = Math.max(hi, cap[i] / k(i));
    for (let it = 0; it < 60; it++) {
      const mid = 0.5 * (lo + hi);
      let g = 0;
      for (let i = 0; i < n; i++) if (aw[i] > 0) g += aw[i] * Math.min(mid * k(i), cap[i]);
      if (g < r) lo = mid;
      else hi = mid;
    }
    // Exact λ for the saturated set at the bracket: Σ_sat |w|cap + λ Σ_free |w|k = r.
    let sat = 0;
    let free = 0;
    for (let i = 0; i < n; i++) {
      if (aw[i] === 0) continue;
      if (hi * k(i) >= cap[i]) sat += aw[i] * cap[i];
      else free += aw[i] * k(i);
    }
    lambda = free > 0 ? Math.max(0, (r - sat) / free) : hi;
  }
  for (let i = 0; i < n; i++) {
    const wi = s * w[i];
    const m = wi === 0 ? 0 : Math.min(lambda * k(i), cap[i]);
    d[i] = wi > 0 ? -m : wi < 0 ? m : 0;
  }
}

function normOf(v: Float64Array, norm: Norm): number {
  return normsOf(v, 1, v.length, norm)[0];
}

/** FAB-T with `restarts` runs per target class on the images of x classified correctly. */
export async function fabTargeted(model: LossModel, x: Tensor, labels: readonly number[], o: FabOptions): Promise<AttackResult> {
  if (!(o.eps > 0)) throw new RangeError(`FAB eps: expected > 0, received ${o.eps}`);
  if (!Number.isInteger(o.iterations) || o.iterations < 1) throw new RangeError(`FAB iterations: expected an integer ≥ 1, received ${o.iterations}`);
  const n = x.shape[0];
  const per = x.data.length / n;
  const img = x.shape.slice(1);
  const alphaMax = o.alphaMax ?? 0.1;
  const eta = o.eta ?? 1.05;
  const beta = o.beta ?? 0.9;
  const adv = new Float32Array(x.data);
  const { logits: clean } = await model.forward(x);
  const k = clean.shape[1];
  if (o.targetClasses + 1 > k) throw new RangeError(`FAB-T: ${o.targetClasses} target classes need at least ${o.targetClasses + 1} classes, the model has ${k}`);
  const broken = argmax(clean).map((p, i) => p !== labels[i]);
  for (let rank = 2; rank < o.targetClasses + 2; rank++) {
    for (let restart = 0; restart < o.restarts; restart++) {
      const idx = Array.from({ length: n }, (_, i) => i).filter((i) => !broken[i]);
      if (!idx.length) break;
      const m = idx.length;
      const rows = new Float32Array(m * per);
      idx.forEach((i, b) => rows.set(x.data.subarray(i * per, (i + 1) * per), b * per));
      const targets = rankedClass((await model.forward({ shape: [m, ...img], data: rows })).logits, rank);
      const ys = idx.map((i) => labels[i]);
      const x1 = new Float32Array(rows);
      if (restart > 0) {
        const t = new Float64Array(per);
        for (let b = 0; b < m; b++) {
          const rng = imageRng(o.seed ^ Math.imul(rank * 64 + restart, 0x2545f491), o.ids[idx[b]]);
          for (let j = 0; j < per; j++) t[j] = o.norm === 'Linf' ? 2 * rng() - 1 : gaussian(rng);
          const tn = normOf(t, o.norm);
          for (let j = 0; j < per; j++) x1[b * per + j] = Math.min(1, Math.max(0, rows[b * per + j] + (0.5 * o.eps * t[j]) / tn));
        }
      }
      const best = new Float64Array(m).fill(1e10);
      const bestX = new Float32Array(rows);
      // Gradient of f = z_t − z_y at x1 for the given rows; f and w written per row.
      const f = new Float64Array(m);
      const w = new Float32Array(m * per);
      const gradAt = async (sel: number[]): Promise<number[]> => {
        const q = sel.length;
        const xs = new Float32Array(q * per);
        const dl = new Float32Array(q * k);
        sel.forEach((b, a) => {
          xs.set(x1.subarray(b * per, (b + 1) * per), a * per);
          dl[a * k + targets[b]] += 1;
          dl[a * k + ys[b]] -= 1;
        });
        const r = await model.inputGradient({ shape: [q, ...img], data: xs }, { dlogits: { shape: [q, k], data: dl } });
        sel.forEach((b, a) => {
          f[b] = r.logits.data[a * k + targets[b]] - r.logits.data[a * k + ys[b]];
          w.set(r.grad.data.subarray(a * per, (a + 1) * per), b * per);
        });
        return argmax(r.logits);
      };
      let act = Array.from({ length: m }, (_, b) => b);
      await gradAt(act);
      const d1 = new Float64Array(per);
      const d2 = new Float64Array(per);
      for (let it = 0; it < o.iterations && act.length; it++) {
        for (const b of act) {
          const xb = x1.subarray(b * per, (b + 1) * per);
          const x0 = rows.subarray(b * per, (b + 1) * per);
          const wb = w.subarray(b * per, (b + 1) * per);
          let wx = 0;
          for (let j = 0; j < per; j++) wx += wb[j] * xb[j];
          const hb = -f[b] + wx;
          projectOnHyperplane(d1, xb, wb, hb, o.norm);
          projectOnHyperplane(d2, x0, wb, hb, o.norm);
          const a1 = Math.max(normOf(d1, o.norm), 1e-8);
          const a2 = Math.max(normOf(d2, o.norm), 1e-8);
          const al = Math.min(Math.max(a1 / (a1 + a2), 0), alphaMax);
          for (let j = 0; j < per; j++) {
            const v = (xb[j] + eta * d1[j]) * (1 - al) + (x0[j] + eta * d2[j]) * al;
            xb[j] = v < 0 ? 0 : v > 1 ? 1 : v;
          }
        }
        const pred = await gradAt(act);
        const back: number[] = [];
        act.forEach((b, a) => {
          if (pred[a] === ys[b]) return;
          const xb = x1.subarray(b * per, (b + 1) * per);
          const x0 = rows.subarray(b * per, (b + 1) * per);
          const dd = new Float64Array(per);
          for (let j = 0; j < per; j++) dd[j] = xb[j] - x0[j];
          const dist = normOf(dd, o.norm);
          if (dist < best[b]) {
            best[b] = dist;
            bestX.set(xb, b * per);
          }
          for (let j = 0; j < per; j++) xb[j] = x0[j] + dd[j] * beta;
          back.push(b);
        });
        act = act.filter((b) => best[b] > o.eps);
        const redo = back.filter((b) => best[b] > o.eps);
        if (redo.length && it + 1 < o.iterations) await gradAt(redo);
      }
      // Broken: an adversarial image within ε, confirmed by a forward pass as the reference does.
      const found = Array.from({ length: m }, (_, b) => b).filter((b) => best[b] <= o.eps);
      if (found.length) {
        const xs = new Float32Array(found.length * per);
        found.forEach((b, a) => xs.set(bestX.subarray(b * per, (b + 1) * per), a * per));
        const p = argmax((await model.forward({ shape: [found.length, ...img], data: xs })).logits);
        found.forEach((b, a) => {
          if (p[a] === ys[b]) return;
          broken[idx[b]] = true;
          adv.set(xs.subarray(a * per, (a + 1) * per), idx[b] * per);
        });
      }
    }
  }
  return { x: { shape: [...x.shape], data: adv }, broken, zeroGradient: broken.map(() => false) };
}
