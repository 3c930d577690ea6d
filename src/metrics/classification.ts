// Classification correctness from logits: argmax and top-k with ties to the lowest class index, the
// restricted argmax of ImageNet-A/R (REFERENCE §5.1–5.2) and the ImageNet-9 mapping of a 1000-class
// argmax (REFERENCE §5.4). Pure functions over row-major (N, K) logits.

/** Row-major (N, K) scores: row i is data[i*K .. i*K+K). `shape` is [N, K]; a lkrobust Tensor fits. */
export interface Logits {
  shape: readonly number[];
  data: Float32Array | Float64Array;
}

export type Labels = ArrayLike<number>;

/** [N, K] of a logits matrix, checked against its data length. */
export function logitsShape(logits: Logits, what = 'logits'): [number, number] {
  const s = logits.shape;
  if (s.length !== 2 || !Number.isInteger(s[0]) || !Number.isInteger(s[1]) || s[0] < 0 || s[1] < 1) {
    throw new TypeError(`${what}: expected shape [N, K] with K >= 1, received [${s.join(', ')}]`);
  }
  if (logits.data.length !== s[0] * s[1]) {
    throw new TypeError(`${what}: shape [${s[0]}, ${s[1]}] needs ${s[0] * s[1]} values, received ${logits.data.length}`);
  }
  return [s[0], s[1]];
}

function checkLabels(labels: Labels, n: number, k: number, what: string): void {
  if (labels.length !== n) throw new TypeError(`${what}: expected ${n} labels (one per row), received ${labels.length}`);
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= k) throw new RangeError(`${what}: label ${i} is ${y}, expected an integer in 0..${k - 1}`);
  }
}

/**
 * Index of the largest value of row data[off .. off+k). Ties go to the lowest index (numpy/torch argmax).
 * NaN never wins; a row of NaN only gives −1 (counted as wrong by every caller).
 */
function rowArgmax(data: ArrayLike<number>, off: number, k: number): number {
  let best = -1;
  let bestV = -Infinity;
  for (let j = 0; j < k; j++) {
    const v = data[off + j];
    if (v > bestV || (best < 0 && v === -Infinity)) {
      best = j;
      bestV = v;
    }
  }
  return best;
}

/** Per-row argmax over all K columns (ties → lowest index; all-NaN row → −1). */
export function argmax(logits: Logits): Int32Array {
  const [n, k] = logitsShape(logits);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = rowArgmax(logits.data, i * k, k);
  return out;
}

/**
 * Per-row indices of the `k` largest values, best first: Int32Array (N, k) row-major. The order is
 * scipy `rankdata(-row, 'ordinal')`'s: larger value first, equal values by lower class index; NaN counts as −∞.
 */
export function topk(logits: Logits, k: number): Int32Array {
  const [n, kk] = logitsShape(logits);
  if (!Number.isInteger(k) || k < 1 || k > kk) throw new RangeError(`topk: k must be an integer in 1..${kk}, received ${k}`);
  const out = new Int32Array(n * k);
  const idx = new Int32Array(k);
  const val = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const off = i * kk;
    let filled = 0;
    // Insertion into a sorted buffer of length k: scanning columns in increasing order and inserting only
    // when strictly better keeps equal values in increasing class order.
    for (let j = 0; j < kk; j++) {
      let v = logits.data[off + j];
      if (Number.isNaN(v)) v = -Infinity;
      if (filled === k && !(v > val[k - 1])) continue;
      let p = filled < k ? filled : k - 1;
      while (p > 0 && v > val[p - 1]) {
        val[p] = val[p - 1];
        idx[p] = idx[p - 1];
        p--;
      }
      val[p] = v;
      idx[p] = j;
      if (filled < k) filled++;
    }
    out.set(idx, i * k);
  }
  return out;
}

/** 1 where the row's argmax equals its label, else 0. */
export function top1Correct(logits: Logits, labels: Labels): Uint8Array {
  const [n, k] = logitsShape(logits);
  checkLabels(labels, n, k, 'top1Correct');
  const pred = argmax(logits);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = pred[i] === labels[i] ? 1 : 0;
  return out;
}

/** 1 where the label is among the row's `k` best (default 5; ties by lower index, as `topk`). */
export function topkCorrect(logits: Logits, labels: Labels, k = 5): Uint8Array {
  const [n, kk] = logitsShape(logits);
  checkLabels(labels, n, kk, 'topkCorrect');
  const kEff = Math.min(k, kk);
  const top = topk(logits, kEff);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < kEff; j++) if (top[i * kEff + j] === labels[i]) out[i] = 1;
  }
  return out;
}

/** Top-5 correctness (K < 5: top-K). */
export function top5Correct(logits: Logits, labels: Labels): Uint8Array {
  return topkCorrect(logits, labels, 5);
}

/** Fraction of nonzero entries (accuracy from 0/1 indicators); NaN for an empty list. */
export function meanOf(correct: ArrayLike<number | boolean>): number {
  let s = 0;
  for (let i = 0; i < correct.length; i++) s += correct[i] ? 1 : 0;
  return correct.length ? s / correct.length : NaN;
}

/** Running counts: `accuracy = correct / total`. Combine batches with `addCounts`. */
export interface Counts {
  correct: number;
  total: number;
}

export function countCorrect(correct: ArrayLike<number | boolean>): Counts {
  let s = 0;
  for (let i = 0; i < correct.length; i++) s += correct[i] ? 1 : 0;
  return { correct: s, total: correct.length };
}

export function addCounts(a: Counts, b: Counts): Counts {
  return { correct: a.correct + b.correct, total: a.total + b.total };
}

/** correct / total as a fraction; null when total is 0 (nothing to score). */
export function accuracyOf(c: Counts): number | null {
  return c.total > 0 ? c.correct / c.total : null;
}

function checkColumns(columns: ArrayLike<number>, k: number, what: string): void {
  if (columns.length < 1) throw new RangeError(`${what}: expected at least one column`);
  for (let j = 0; j < columns.length; j++) {
    const c = columns[j];
    if (!Number.isInteger(c) || c < 0 || c >= k) throw new RangeError(`${what}: column ${j} is ${c}, expected an integer in 0..${k - 1}`);
  }
}

/**
 * Argmax restricted to a subset of columns: for each row, the *position* j in `columns` of the largest
 * logits[columns[j]] (ties → lowest position; all-NaN → −1). For ImageNet-A/R pass the ascending 1k
 * indices of the 200 classes; the position is then directly comparable with the 200-class folder label.
 */
export function restrictedArgmax(logits: Logits, columns: ArrayLike<number>): Int32Array {
  const [n, k] = logitsShape(logits);
  checkColumns(columns, k, 'restrictedArgmax');
  const m = columns.length;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const off = i * k;
    let best = -1;
    let bestV = -Infinity;
    for (let j = 0; j < m; j++) {
      const v = logits.data[off + columns[j]];
      if (v > bestV || (best < 0 && v === -Infinity)) {
        best = j;
        bestV = v;
      }
    }
    out[i] = best;
  }
  return out;
}

/** 1 where the restricted argmax position equals the label (a position in `columns`). */
export function restrictedTop1Correct(logits: Logits, columns: ArrayLike<number>, labels: Labels): Uint8Array {
  const pred = restrictedArgmax(logits, columns);
  checkLabels(labels, pred.length, columns.length, 'restrictedTop1Correct');
  const out = new Uint8Array(pred.length);
  for (let i = 0; i < pred.length; i++) out[i] = pred[i] === labels[i] ? 1 : 0;
  return out;
}

/**
 * Maps class predictions through a table (e.g. ImageNet-9's `index_to_class`): out[i] = table[pred[i]],
 * −1 where the prediction is −1 or maps to −1.
 */
export function mapPredictions(pred: ArrayLike<number>, table: ArrayLike<number>): Int32Array {
  const out = new Int32Array(pred.length);
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i];
    if (p < 0) {
      out[i] = -1;
      continue;
    }
    if (!Number.isInteger(p) || p >= table.length) throw new RangeError(`mapPredictions: prediction ${i} is ${p}, the table has ${table.length} entries`);
    out[i] = table[p];
  }
  return out;
}

/**
 * ImageNet-9 prediction of a 1000-class model: argmax over all K logits, then `indexToClass` (length K);
 * −1 (no IN-9 class) always counts as wrong. No probabilities are summed (REFERENCE §5.4).
 */
export function in9Predictions(logits: Logits, indexToClass: ArrayLike<number>): Int32Array {
  const [, k] = logitsShape(logits);
  if (indexToClass.length !== k) throw new TypeError(`in9Predictions: indexToClass has ${indexToClass.length} entries, logits have ${k} columns`);
  return mapPredictions(argmax(logits), indexToClass);
}

/** 1 where the mapped IN-9 prediction equals the IN-9 label (0..8); −1 is never correct. */
export function in9Correct(logits: Logits, indexToClass: ArrayLike<number>, labels: Labels): Uint8Array {
  const pred = in9Predictions(logits, indexToClass);
  if (labels.length !== pred.length) throw new TypeError(`in9Correct: expected ${pred.length} labels, received ${labels.length}`);
  const out = new Uint8Array(pred.length);
  for (let i = 0; i < pred.length; i++) out[i] = pred[i] >= 0 && pred[i] === labels[i] ? 1 : 0;
  return out;
}
