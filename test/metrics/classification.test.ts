import t from 'tap';

import { classSubset, in9Map } from '../../src/data/reference_data.js';
import {
  accuracyOf,
  addCounts,
  argmax,
  countCorrect,
  in9Correct,
  in9Predictions,
  mapPredictions,
  meanOf,
  restrictedArgmax,
  restrictedTop1Correct,
  top1Correct,
  top5Correct,
  topk,
  topkCorrect,
} from '../../src/metrics/classification.js';
import { mulberry } from '../helpers/tensor.js';

const L = (rows: number[][]) => ({ shape: [rows.length, rows[0].length], data: Float32Array.from(rows.flat()) });

// Three rows, K = 4: a tie (1 and 2), a tie at the top (2 and 3), NaNs.
const logits = L([
  [1, 3, 3, 0],
  [0.5, -1, 2, 2],
  [NaN, 1, NaN, 1],
]);

t.test('argmax: ties go to the lowest index, NaN never wins', async (t) => {
  t.same(Array.from(argmax(logits)), [1, 2, 1]);
  t.same(Array.from(argmax(L([[NaN, NaN]]))), [-1], 'all-NaN row → −1 (wrong)');
  t.same(Array.from(argmax(L([[-Infinity, -Infinity]]))), [0]);
});

t.test('topk: descending, equal values by lower class index', async (t) => {
  t.same(Array.from(topk(logits, 3)), [1, 2, 0, 2, 3, 0, 1, 3, 0]);
  t.throws(() => topk(logits, 5), /k must be an integer in 1\.\.4/);
  // Against a plain stable sort on many random rows with heavy ties.
  const rng = mulberry(3);
  const n = 200;
  const k = 12;
  const data = Float32Array.from({ length: n * k }, () => Math.floor(rng() * 4));
  const got = topk({ shape: [n, k], data }, 5);
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const order = Array.from({ length: k }, (_, j) => j).sort((a, b) => data[i * k + b] - data[i * k + a] || a - b);
    if (order.slice(0, 5).some((c, j) => got[i * 5 + j] !== c)) bad++;
  }
  t.equal(bad, 0, 'all 200 rows match a stable sort');
});

t.test('top-1 / top-k correctness and counts', async (t) => {
  const labels = [2, 2, 3];
  t.same(Array.from(top1Correct(logits, labels)), [0, 1, 0]);
  t.same(Array.from(topkCorrect(logits, labels, 2)), [1, 1, 1]);
  t.same(Array.from(topkCorrect(logits, [0, 1, 0], 2)), [0, 0, 0]);
  t.same(Array.from(top5Correct(logits, [0, 1, 0])), [1, 1, 1], 'K < 5: top-K = everything');
  t.equal(meanOf(top1Correct(logits, labels)), 1 / 3);
  const c = addCounts(countCorrect([1, 0, 1]), countCorrect([true, false]));
  t.same(c, { correct: 3, total: 5 });
  t.equal(accuracyOf(c), 0.6);
  t.equal(accuracyOf({ correct: 0, total: 0 }), null);
  t.throws(() => top1Correct(logits, [0, 1]), /expected 3 labels/);
  t.throws(() => top1Correct(logits, [0, 1, 4]), /label 2 is 4/);
  t.throws(() => argmax({ shape: [2, 3], data: new Float32Array(5) }), /needs 6 values, received 5/);
});

t.test('restricted argmax returns the position in the column list', async (t) => {
  // columns [0, 2, 3]: rows → [1,3,0] → 1; [0.5,2,2] → 1 (tie → lower position); [NaN,NaN,1] → 2
  t.same(Array.from(restrictedArgmax(logits, [0, 2, 3])), [1, 1, 2]);
  t.same(Array.from(restrictedTop1Correct(logits, [0, 2, 3], [1, 2, 2])), [1, 0, 1]);
  t.throws(() => restrictedArgmax(logits, [0, 4]), /column 1 is 4/);
  // ImageNet-A: a 1000-way row whose best A-class is the 3rd of the list, though a non-A class is higher.
  const { indices } = classSubset('a');
  const row = new Float32Array(1000);
  row[0] = 50; // tench, not an A class
  row[indices[2]] = 10;
  row[indices[7]] = 9;
  t.same(Array.from(restrictedArgmax({ shape: [1, 1000], data: row }, indices)), [2]);
});

t.test('ImageNet-9 mapping of a 1000-class argmax', async (t) => {
  const table = [-1, 0, 1, -1];
  t.same(Array.from(mapPredictions([0, 1, 2, 3, -1], table)), [-1, 0, 1, -1, -1]);
  t.same(Array.from(in9Predictions(logits, table)), [0, 1, 0]);
  t.same(Array.from(in9Correct(logits, table, [0, 0, 0])), [1, 0, 1]);
  t.same(Array.from(in9Correct(L([[9, 0, 0, 0]]), table, [-1])), [0], '−1 is never correct');
  // The shipped map: dog 151–170 and 173–268, fish 0–6 and 389–397, 630 unmapped.
  const m = in9Map().index_to_class;
  t.equal(m[151], 0);
  t.equal(m[171], -1);
  t.equal(m[268], 0);
  t.equal(m[0], 8);
  t.equal(m[397], 8);
  t.equal(m.filter((c) => c === -1).length, 630);
});
