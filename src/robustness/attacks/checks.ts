// The reference AutoAttack's sanity checks before (and after) an evaluation, as flags for results.json: each
// says why the robust accuracy it reports may overstate the model's robustness.
//   randomized     five forward passes of the same images differ (argmax counts, or the L2-normalised outputs
//                  by more than 1e-4): use version 'rand' (EOT)
//   softmax_output the outputs look like probabilities (all in [0, 1], rows summing to 1 within 1e-5): attack
//                  logits, not probabilities
//   dynamic        the forward pass computes gradients itself (the reference traces autograd calls): an engine
//                  graph is a fixed computation, so this is false for engine models by construction
//   n_classes      too few classes for the DLR losses (≤ 3) or for the number of target classes
//   zero_gradient  images whose DLR-loss gradient is all zero at the start of APGD (gradient masking)
//   square_better  Square (black-box) broke more than the gradient attacks by over 0.2 percentage points
import type { Tensor } from '../../native.js';
import { argmax } from './common.js';
import type { LossModel } from './loss_model.js';

export interface CheckFlags {
  randomized: boolean;
  softmax_output: boolean;
  dynamic: boolean;
  n_classes: string | null;
  zero_gradient: number;
  square_better: boolean;
}

function l2Rows(z: Tensor): Float64Array[] {
  const [n, k] = z.shape;
  const out: Float64Array[] = [];
  for (let r = 0; r < n; r++) {
    const row = Float64Array.from(z.data.subarray(r * k, (r + 1) * k));
    let s = 0;
    for (const v of row) s += v * v;
    const inv = 1 / (Math.sqrt(s) + 1e-10);
    out.push(row.map((v) => v * inv));
  }
  return out;
}

/** check_randomized: five forward passes of x. */
export async function checkRandomized(model: LossModel, x: Tensor, labels: readonly number[], passes = 5, alpha = 1e-4): Promise<boolean> {
  const outs: Float64Array[][] = [];
  const counts: number[] = [];
  for (let i = 0; i < passes; i++) {
    const { logits } = await model.forward(x);
    counts.push(argmax(logits).filter((p, b) => p === labels[b]).length);
    outs.push(l2Rows(logits));
  }
  if (counts.some((c) => c !== counts[counts.length - 1])) return true;
  let maxDiff = 0;
  for (let a = 0; a < passes - 1; a++) {
    for (let b = a + 1; b < passes; b++) {
      for (let r = 0; r < outs[a].length; r++) {
        let s = 0;
        for (let j = 0; j < outs[a][r].length; j++) s += (outs[a][r][j] - outs[b][r][j]) ** 2;
        maxDiff = Math.max(maxDiff, Math.sqrt(s));
      }
    }
  }
  return maxDiff > alpha;
}

/** check_range_output: whether the outputs look like probabilities; also the number of classes. */
export async function checkRangeOutput(model: LossModel, x: Tensor, alpha = 1e-5): Promise<{ softmax: boolean; classes: number }> {
  const { logits } = await model.forward(x);
  const [n, k] = logits.shape;
  let max = -Infinity;
  let min = Infinity;
  let sums = true;
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let j = 0; j < k; j++) {
      const v = logits.data[r * k + j];
      s += v;
      if (v > max) max = v;
      if (v < min) min = v;
    }
    if (!(Math.abs(s - 1) < alpha)) sums = false;
  }
  return { softmax: max < 1 + alpha && min > -alpha && sums, classes: k };
}

/** check_n_classes: the reference's message, or null when the attacks fit the number of classes. */
export function checkClasses(classes: number, attacks: readonly string[], apgdTargets: number, fabTargets: number): string | null {
  let msg: string | null = null;
  if (attacks.includes('apgd-dlr') || attacks.includes('apgd-t')) {
    if (classes <= 2) msg = `with only ${classes} classes it is not possible to use the DLR loss`;
    else if (classes === 3) msg = `with only ${classes} classes it is not possible to use the targeted DLR loss`;
    else if (attacks.includes('apgd-t') && apgdTargets + 1 > classes) msg = `more target classes (${apgdTargets}) than possible (${classes - 1}) in APGD-T`;
  }
  if (attacks.includes('fab-t') && fabTargets + 1 > classes) {
    const m = `more target classes (${fabTargets}) than possible (${classes - 1}) in FAB-T`;
    msg = msg ? `${msg}; ${m}` : m;
  }
  return msg;
}

/** check_square_sr: Square's robust accuracy below the best of the others by more than alpha. */
export function checkSquare(acc: Record<string, number>, alpha = 0.002): boolean {
  if (!('square' in acc) || Object.keys(acc).length <= 2) return false;
  const others = Object.entries(acc).filter(([k]) => k !== 'square').map(([, v]) => v);
  return acc.square < Math.min(...others) - alpha;
}
