// The Difference-of-Logits-Ratio losses of AutoAttack (Croce & Hein 2020), per row of (N, K) logits, in float64:
//   untargeted  DLR(z, y)    = −(z_y − max_{j≠y} z_j) / (z_π1 − z_π3 + 1e−12)
//   targeted    DLR-T(z,y,t) = −(z_y − z_t) / (z_π1 − (z_π3 + z_π4)/2 + 1e−12)
// with z_π1 ≥ z_π2 ≥ … the sorted logits. The engine computes the same loss's gradient natively
// (native/nn/margin_loss.cpp, inputGradient {labels, loss: 'dlr' | 'dlr-targeted'}); dlrDlogits is the float64
// reference of that gradient, and how the hand-written JS models of ./toy.ts get one.
import type { Tensor } from '../../native.js';

/** The indices of the four largest values of row r, largest first (ties: the higher index first). */
function top4(z: ArrayLike<number>, o: number, k: number): [number, number, number, number] {
  const top = [-1, -1, -1, -1];
  for (let j = 0; j < k; j++) {
    let c = j;
    for (let s = 0; s < 4 && c >= 0; s++) {
      if (top[s] < 0 || z[o + c] >= z[o + top[s]]) [c, top[s]] = [top[s], c];
    }
  }
  return top as [number, number, number, number];
}

function checkRows(logits: Tensor, labels: readonly number[], targets: readonly number[] | undefined): { n: number; k: number } {
  const [n, k] = logits.shape;
  if (logits.shape.length !== 2) throw new RangeError(`DLR loss: expected logits (N, K), received shape [${logits.shape}]`);
  if (k < (targets ? 4 : 3)) throw new RangeError(`DLR loss: needs at least ${targets ? 4 : 3} classes, received ${k}`);
  if (labels.length !== n) throw new RangeError(`DLR loss: expected ${n} labels, received ${labels.length}`);
  if (targets && targets.length !== n) throw new RangeError(`targeted DLR loss: expected ${n} target classes, received ${targets.length}`);
  return { n, k };
}

/** Per-row DLR loss (untargeted without targets, targeted with them). */
export function dlrLoss(logits: Tensor, labels: readonly number[], targets?: readonly number[]): Float64Array {
  const { n, k } = checkRows(logits, labels, targets);
  const z = logits.data;
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const o = r * k;
    const [p1, p2, p3, p4] = top4(z, o, k);
    const y = labels[r];
    if (targets) {
      out[r] = -(z[o + y] - z[o + targets[r]]) / (z[o + p1] - 0.5 * (z[o + p3] + z[o + p4]) + 1e-12);
    } else {
      const other = p1 === y ? p2 : p1;
      out[r] = -(z[o + y] - z[o + other]) / (z[o + p1] - z[o + p3] + 1e-12);
    }
  }
  return out;
}

/** d(DLR)/d(logits), (N, K) in float64: the reference for the engine's native gradient. */
export function dlrDlogits(logits: Tensor, labels: readonly number[], targets?: readonly number[]): { shape: number[]; data: Float64Array } {
  const { n, k } = checkRows(logits, labels, targets);
  const z = logits.data;
  const g = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    const o = r * k;
    const [p1, p2, p3, p4] = top4(z, o, k);
    const y = labels[r];
    const other = targets ? targets[r] : p1 === y ? p2 : p1;
    const den = targets ? z[o + p1] - 0.5 * (z[o + p3] + z[o + p4]) + 1e-12 : z[o + p1] - z[o + p3] + 1e-12;
    const num = z[o + y] - z[o + other];
    const dden = num / (den * den);
    g[o + y] -= 1 / den;
    g[o + other] += 1 / den;
    g[o + p1] += dden;
    if (targets) {
      g[o + p3] -= 0.5 * dden;
      g[o + p4] -= 0.5 * dden;
    } else {
      g[o + p3] -= dden;
    }
  }
  return { shape: [n, k], data: g };
}

/** Square's margin z_y − max_{j≠y} z_j per row (negative: misclassified). */
export function margins(logits: Tensor, labels: readonly number[]): Float64Array {
  const [n, k] = logits.shape;
  const z = logits.data;
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const o = r * k;
    let m = -Infinity;
    for (let j = 0; j < k; j++) if (j !== labels[r] && z[o + j] > m) m = z[o + j];
    out[r] = z[o + labels[r]] - m;
  }
  return out;
}

/** The class ranked `rank` (1 = the top) in each row. */
export function rankedClass(logits: Tensor, rank: number): number[] {
  const [n, k] = logits.shape;
  const out: number[] = [];
  const idx = Array.from({ length: k }, (_, j) => j);
  for (let r = 0; r < n; r++) {
    const o = r * k;
    // Ascending stable sort read from the end, as torch's sort(dim=1)[1][:, -rank] reads it.
    const order = [...idx].sort((a, b) => logits.data[o + a] - logits.data[o + b] || a - b);
    out.push(order[k - rank]);
  }
  return out;
}
