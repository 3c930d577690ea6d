// Out-of-distribution detection for ImageNet-O (REFERENCE §5.3; hendrycks natural-adv-examples
// eval_many_models.py + calibration_tools.get_measures). Score = −MSP over the 200 ImageNet-O logit columns;
// ImageNet-O images are the positives, the same-wnid ImageNet-val images the negatives.
//   AUPR  = sklearn average_precision_score: AP = Σ_n (R_n − R_{n−1}) P_n over the distinct score thresholds.
//   AUROC = sklearn roc_auc_score = Mann–Whitney U / (P·N), tied pairs counting 1/2.
//   FPR   = calibration_tools.fpr_and_fdr_at_recall: FPR at the threshold whose recall is nearest 0.95.
import { type Logits, logitsShape } from './classification.js';

export interface MspOptions {
  /**
   * 'float32' (default): the softmax as PyTorch's CPU kernel computes it in float32 (`softmaxFloat32`), so
   * its ties survive (confident images saturate at exactly 1.0, which AUPR and AUROC are sensitive to).
   * 'float64': the exact MSP in float64, for analysis.
   */
  precision?: 'float32' | 'float64';
  /** float32: SIMD lanes of the reference's sum (8 on AVX2, PyTorch's default CPU path; 16 on AVX-512). */
  lanes?: number;
}

const f32 = Math.fround;

/**
 * The sum of `v` in float32 as PyTorch's `vec::reduce_all` does it: `lanes` running float32 sums (element i
 * into lane i mod lanes; the tail into the first lanes), then the lanes folded in halves (i + W/2, …, i + 1).
 */
export function laneSumFloat32(v: ArrayLike<number>, lanes = 8): number {
  if (!Number.isInteger(Math.log2(lanes)) || lanes < 1) throw new RangeError(`laneSumFloat32: lanes must be a power of two, received ${lanes}`);
  const acc = new Float64Array(lanes);
  for (let i = 0; i < v.length; i++) acc[i % lanes] = f32(acc[i % lanes] + v[i]);
  for (let s = lanes >> 1; s >= 1; s >>= 1) for (let i = 0; i < s; i++) acc[i] = f32(acc[i] + acc[i + s]);
  return acc[0];
}

/**
 * Softmax of one row in float32, step for step as PyTorch's `_vec_softmax_lastdim` (F.softmax over the last
 * dim of a float32 CPU tensor): m = max; e_j = exp(x_j − m) rounded to float32; s = the lane-wise float32 sum
 * of e; p_j = e_j · float32(1 / s). exp here is correctly rounded; PyTorch's vectorised exp is within 1–2 ulp
 * of that, so a single p_j can differ in its last bit, never a saturated 1.0.
 */
export function softmaxFloat32(row: ArrayLike<number>, lanes = 8): Float64Array {
  let mx = -Infinity;
  for (let j = 0; j < row.length; j++) mx = Math.max(mx, f32(row[j]));
  const e = new Float64Array(row.length);
  for (let j = 0; j < row.length; j++) e[j] = f32(Math.exp(f32(f32(row[j]) - mx)));
  const inv = f32(1 / laneSumFloat32(e, lanes));
  for (let j = 0; j < row.length; j++) e[j] = f32(e[j] * inv);
  return e;
}

/**
 * Maximum softmax probability over a subset of logit columns, per row: softmax over logits[:, columns], then
 * its maximum. float32 (default) as PyTorch computes it (the reference: `F.softmax(output[:, idx], 1).max`);
 * float64: max-subtracted, 1 / Σ_j exp(l_j − max).
 */
export function mspSubset(logits: Logits, columns: ArrayLike<number>, opts: MspOptions = {}): Float64Array {
  const [n, k] = logitsShape(logits, 'mspSubset');
  if (columns.length < 1) throw new RangeError('mspSubset: expected at least one column');
  for (let j = 0; j < columns.length; j++) {
    const c = columns[j];
    if (!Number.isInteger(c) || c < 0 || c >= k) throw new RangeError(`mspSubset: column ${j} is ${c}, expected an integer in 0..${k - 1}`);
  }
  const single = (opts.precision ?? 'float32') === 'float32';
  const out = new Float64Array(n);
  const row = new Float64Array(columns.length);
  for (let i = 0; i < n; i++) {
    const off = i * k;
    let mx = -Infinity;
    for (let j = 0; j < columns.length; j++) {
      row[j] = logits.data[off + columns[j]];
      mx = Math.max(mx, row[j]);
    }
    if (!Number.isFinite(mx)) throw new RangeError(`mspSubset: row ${i} has a non-finite maximum logit (${mx})`);
    if (single) {
      const p = softmaxFloat32(row, opts.lanes ?? 8);
      let best = 0;
      for (let j = 0; j < p.length; j++) best = Math.max(best, p[j]);
      out[i] = best;
    } else {
      let s = 0;
      for (let j = 0; j < columns.length; j++) s += Math.exp(row[j] - mx);
      out[i] = 1 / s;
    }
  }
  return out;
}

/** Labels 1/true = positive, 0/false = negative. */
export type BinaryLabels = ArrayLike<number | boolean>;

interface Curve {
  /** Cumulative true / false positives at each distinct threshold, from the highest score down. */
  tps: Float64Array;
  fps: Float64Array;
  pos: number;
  neg: number;
}

function curve(scores: ArrayLike<number>, labels: BinaryLabels, what: string): Curve {
  const n = scores.length;
  if (labels.length !== n) throw new TypeError(`${what}: ${n} scores but ${labels.length} labels`);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(scores[i])) throw new RangeError(`${what}: score ${i} is ${scores[i]}, expected a finite number`);
  }
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  const tps: number[] = [];
  const fps: number[] = [];
  let tp = 0;
  let fp = 0;
  for (let r = 0; r < n; r++) {
    const i = order[r];
    if (labels[i]) tp++;
    else fp++;
    if (r === n - 1 || scores[order[r + 1]] !== scores[i]) {
      tps.push(tp);
      fps.push(fp);
    }
  }
  return { tps: Float64Array.from(tps), fps: Float64Array.from(fps), pos: tp, neg: fp };
}

/**
 * Average precision exactly as sklearn's average_precision_score (binary): thresholds at the distinct
 * scores, from high to low; P_n = TP/(TP+FP), R_n = TP/P at each; AP = Σ (R_n − R_{n−1}) P_n with R_0 = 0.
 * Higher score = more likely positive. Needs at least one positive.
 */
export function averagePrecision(scores: ArrayLike<number>, labels: BinaryLabels): number {
  const c = curve(scores, labels, 'averagePrecision');
  if (c.pos === 0) throw new RangeError('averagePrecision: no positive examples (AP undefined)');
  let ap = 0;
  let prevRecall = 0;
  for (let t = 0; t < c.tps.length; t++) {
    const recall = c.tps[t] / c.pos;
    const precision = c.tps[t] / (c.tps[t] + c.fps[t]);
    ap += (recall - prevRecall) * precision;
    prevRecall = recall;
  }
  return ap;
}

/**
 * Area under the ROC curve = P(score_pos > score_neg) + ½ P(equal), by mid-ranks (Mann–Whitney U);
 * equal to sklearn's roc_auc_score. Needs both classes.
 */
export function rocAuc(scores: ArrayLike<number>, labels: BinaryLabels): number {
  const c = curve(scores, labels, 'rocAuc');
  if (c.pos === 0 || c.neg === 0) throw new RangeError(`rocAuc: needs both classes (${c.pos} positives, ${c.neg} negatives)`);
  // Walking the distinct thresholds from the top: each block of tied scores with dp positives and dn
  // negatives beats every negative below it and ties with the dn inside it.
  let u = 0;
  let tp = 0;
  let fp = 0;
  for (let t = 0; t < c.tps.length; t++) {
    const dp = c.tps[t] - tp;
    const dn = c.fps[t] - fp;
    u += dp * (c.neg - fp - dn) + 0.5 * dp * dn;
    tp = c.tps[t];
    fp = c.fps[t];
  }
  return u / (c.pos * c.neg);
}

/**
 * False-positive rate at (nearest to) a recall level, as hendrycks calibration_tools.fpr_and_fdr_at_recall:
 * among the distinct thresholds up to the first reaching full recall, scanned from that one upwards, the
 * first whose recall is nearest `recallLevel` — so when several thresholds share that recall, the lowest
 * of them (the most false positives) — and returns its FP / N. Needs both classes.
 */
export function fprAtRecall(scores: ArrayLike<number>, labels: BinaryLabels, recallLevel = 0.95): number {
  const c = curve(scores, labels, 'fprAtRecall');
  if (c.pos === 0 || c.neg === 0) throw new RangeError(`fprAtRecall: needs both classes (${c.pos} positives, ${c.neg} negatives)`);
  let last = 0;
  while (c.tps[last] < c.pos) last++;
  let best = last;
  let bestD = Infinity;
  for (let t = last; t >= 0; t--) {
    const d = Math.abs(c.tps[t] / c.pos - recallLevel);
    if (d < bestD) {
      bestD = d;
      best = t;
    }
  }
  return c.fps[best] / c.neg;
}

export interface OodMeasures {
  auroc: number;
  aupr: number;
  /** FPR at 95 % recall of the positives. */
  fpr95: number;
  positives: number;
  negatives: number;
}

/**
 * get_measures(out_score, in_score) with score = −MSP: positives (label 1) are the out-of-distribution
 * images (ImageNet-O), negatives the in-distribution ones. Inputs are MSPs (from `mspSubset`).
 */
export function oodMeasures(inMsp: ArrayLike<number>, outMsp: ArrayLike<number>, recallLevel = 0.95): OodMeasures {
  const n = inMsp.length + outMsp.length;
  const scores = new Float64Array(n);
  const labels = new Uint8Array(n);
  for (let i = 0; i < outMsp.length; i++) {
    scores[i] = -outMsp[i];
    labels[i] = 1;
  }
  for (let i = 0; i < inMsp.length; i++) scores[outMsp.length + i] = -inMsp[i];
  return {
    auroc: rocAuc(scores, labels),
    aupr: averagePrecision(scores, labels),
    fpr95: fprAtRecall(scores, labels, recallLevel),
    positives: outMsp.length,
    negatives: inMsp.length,
  };
}
