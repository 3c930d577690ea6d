import t from 'tap';

import { averagePrecision, fprAtRecall, laneSumFloat32, mspSubset, oodMeasures, rocAuc } from '../../src/metrics/ood.js';
import { ORACLE_SKIP, oraclePython, runOracle } from '../helpers/oracle.js';
import { mulberry } from '../helpers/tensor.js';

// Positives 0.9, 0.8, 0.7; negatives 0.8, 0.6 (a positive and a negative tie at 0.8).
const scores = [0.9, 0.8, 0.8, 0.7, 0.6];
const labels = [1, 0, 1, 1, 0];

t.test('average precision with ties (sklearn step sum)', async (t) => {
  // thresholds 0.9: P 1, R 1/3 | 0.8: P 2/3, R 2/3 | 0.7: P 3/4, R 1 | 0.6: R stays 1
  // AP = 1/3·1 + 1/3·2/3 + 1/3·3/4 = 29/36
  t.ok(Math.abs(averagePrecision(scores, labels) - 29 / 36) < 1e-15);
  t.equal(averagePrecision([0.5, 0.5, 0.5], [1, 0, 0]), 1 / 3, 'all tied: AP = prevalence');
  t.equal(averagePrecision([3, 2, 1], [1, 1, 0]), 1);
  t.throws(() => averagePrecision([1, 2], [0, 0]), /no positive/);
  t.throws(() => averagePrecision([1, NaN], [0, 1]), /score 1 is NaN/);
});

t.test('AUROC counts tied pairs as 1/2', async (t) => {
  // pairs: 0.9 beats both (2); 0.8 ties 0.8, beats 0.6 (1.5); 0.7 beats 0.6 (1) → 4.5 / 6
  t.equal(rocAuc(scores, labels), 0.75);
  t.equal(rocAuc([1, 1, 1, 1], [1, 0, 1, 0]), 0.5);
  t.equal(rocAuc([0, 1], [1, 0]), 0);
  t.throws(() => rocAuc([1, 2], [1, 1]), /both classes/);
});

t.test('FPR at the recall nearest 95 % (calibration_tools semantics)', async (t) => {
  // distinct thresholds: tps 1,2,3,3; fps 0,1,1,2. Full recall first at threshold 0.7 (fps 1) → 1/2.
  t.equal(fprAtRecall(scores, labels), 0.5);
  t.equal(fprAtRecall(scores, labels, 0.3), 0, 'recall 1/3 is nearest 0.3: no false positive yet');
  // 20 positives above 10 negatives, then one positive below all: recall 20/21 ≈ 0.952 is nearest, and it
  // holds at 11 thresholds (0..10 false positives). The reference scans from full recall downwards and keeps
  // the first minimum, i.e. the lowest of those thresholds: FPR 10/10 (checked against its numpy code).
  const s = [...Array.from({ length: 20 }, (_, i) => 100 - i), ...Array.from({ length: 10 }, (_, i) => 50 - i), 0];
  const y = [...new Array(20).fill(1), ...new Array(10).fill(0), 1];
  t.equal(fprAtRecall(s, y), 1);
  t.equal(fprAtRecall(s, y, 1), 1);
  t.equal(fprAtRecall(s, y, 0.5), 0, 'recall 10/21 at 0 false positives');
});

t.test('MSP over a column subset, stable and float32-rounded by default', async (t) => {
  const logits = { shape: [2, 4], data: Float32Array.from([0, Math.log(3), 5, 0, 1000, 1000, -5, 1000]) };
  const p = mspSubset(logits, [0, 1, 3]);
  t.equal(p[0], Math.fround(0.6)); // e^0, 3, e^0 → 3/5; column 2 (5) is outside the subset
  t.equal(p[1], Math.fround(1 / 3), 'large logits do not overflow');
  const p64 = mspSubset(logits, [0, 1, 3], { precision: 'float64' });
  t.ok(Math.abs(p64[0] - 0.6) < 1e-7);
  t.throws(() => mspSubset(logits, [0, 4]), /column 1 is 4/);
});

t.test('oodMeasures: ImageNet-O positives, score = −MSP', async (t) => {
  // −MSP: out −0.1, −0.2, −0.3 (positives); in −0.2, −0.4: the same ordering and tie as above
  const m = oodMeasures([0.2, 0.4], [0.1, 0.2, 0.3]);
  t.ok(Math.abs(m.aupr - 29 / 36) < 1e-15);
  t.equal(m.auroc, 0.75);
  t.equal(m.fpr95, 0.5);
  t.same([m.positives, m.negatives], [3, 2]);
});

t.test('AUPR and AUROC match sklearn on random tied scores', { skip: oraclePython() ? false : ORACLE_SKIP }, async (t) => {
  const rng = mulberry(7);
  const arrays: Record<string, { shape: number[]; data: Float64Array }> = {};
  const mine: { ap: number; auroc: number }[] = [];
  const count = 12;
  for (let i = 0; i < count; i++) {
    const n = 5 + Math.floor(rng() * 300);
    const levels = i % 3 === 0 ? 4 : i % 3 === 1 ? 30 : 1e6; // heavy ties, some ties, almost none
    const s = Float64Array.from({ length: n }, () => Math.floor(rng() * levels) / levels);
    const y = Float64Array.from({ length: n }, (_, j) => (j === 0 ? 1 : j === 1 ? 0 : rng() < 0.2 + 0.05 * i ? 1 : 0));
    arrays[`scores_${i}`] = { shape: [n], data: s };
    arrays[`labels_${i}`] = { shape: [n], data: y };
    mine.push({ ap: averagePrecision(s, y), auroc: rocAuc(s, y) });
  }
  const out = await runOracle(new URL('../oracle/sklearn_metrics.py', import.meta.url).pathname, { count }, arrays);
  for (let i = 0; i < count; i++) {
    t.ok(Math.abs(mine[i].ap - out[`ap_${i}`].data[0]) < 1e-12, `case ${i}: AP ${mine[i].ap} vs sklearn ${out[`ap_${i}`].data[0]}`);
    t.ok(Math.abs(mine[i].auroc - out[`auroc_${i}`].data[0]) < 1e-12, `case ${i}: AUROC ${mine[i].auroc} vs sklearn ${out[`auroc_${i}`].data[0]}`);
  }
});

// A confident image: one logit at 0, one at −17, 198 at −100. In float32 1 + e^−17 (4.1e-8, under half an ulp
// of 1) rounds to 1, so PyTorch's MSP is exactly 1.0; in float64 it is 0.99999996 (0.99999994 once rounded).
function saturated(): { shape: number[]; data: Float32Array } {
  const row = new Float32Array(200).fill(-100);
  row[3] = 0;
  row[77] = -17;
  return { shape: [1, 200], data: row };
}

t.test('ImageNet-O saturation: float32 softmax ties at MSP = 1.0 as PyTorch, float64 does not', async (t) => {
  const cols = Array.from({ length: 200 }, (_, j) => j);
  t.equal(mspSubset(saturated(), cols)[0], 1, 'float32: exactly 1');
  const p64 = mspSubset(saturated(), cols, { precision: 'float64' })[0];
  t.ok(p64 < 1 && Math.fround(p64) === Math.fround(0.99999994), `float64: ${p64}`);
  // Many saturated ImageNet-O images tie with saturated val images: the tie is what AUPR sees.
  const inMsp = [1, 1, 0.5, 0.4];
  const outMsp = [1, 0.3, 0.2];
  t.equal(oodMeasures(inMsp, outMsp).auroc, (0.5 * 2 + 4 + 4) / 12, 'tied 1.0 scores count half');
});

t.test('lane-wise float32 sum: lanes, tail, fold order', async (t) => {
  t.equal(laneSumFloat32([1, 2, 3], 8), 6);
  // 2^24 + 1 + 1: sequentially each 1 is lost; in lanes the two 1s meet first and survive.
  t.equal(laneSumFloat32([2 ** 24, 1, 1], 1), 2 ** 24);
  t.equal(laneSumFloat32([2 ** 24, 0, 1, 0, 0, 0, 1, 0], 8), 2 ** 24 + 2, 'lanes 2 and 6 fold together before lane 0');
  t.throws(() => laneSumFloat32([1], 3), /power of two/);
});

t.test('float32 MSP matches torch F.softmax on random and saturated logits', { skip: oraclePython() ? false : ORACLE_SKIP }, async (t) => {
  const n = 300;
  const k = 200;
  const data = new Float32Array(n * k);
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < n; i++) {
    const scale = i % 3 === 0 ? 30 : i % 3 === 1 ? 3 : 0.5; // confident, ordinary, flat rows
    for (let j = 0; j < k; j++) data[i * k + j] = (rnd() - 0.5) * 2 * scale;
  }
  data.set(saturated().data, 0);
  const out = await runOracle(new URL('../oracle/softmax_f32.py', import.meta.url).pathname, {}, { logits: { shape: [n, k], data } });
  const lanes = out.lanes.data[0];
  const ours = mspSubset({ shape: [n, k], data }, Array.from({ length: k }, (_, j) => j), { lanes });
  const ref = out.msp.data;
  t.equal(ref[0], 1, 'torch: the saturated row is exactly 1');
  t.equal(ours[0], 1);
  let exact = 0;
  let worst = 0;
  for (let i = 0; i < n; i++) {
    if (ours[i] === ref[i]) exact++;
    worst = Math.max(worst, Math.abs(ours[i] - ref[i]) / ref[i]);
    if (ref[i] === 1) t.equal(ours[i], 1, `row ${i}: torch saturates, so do we`);
  }
  t.ok(worst <= 4 * 2 ** -24, `within 2 ulp of torch (worst ${(worst / 2 ** -24).toFixed(2)} ulp, ${exact}/${n} bit-identical, ${lanes} lanes)`);
  t.ok(exact >= n * 0.9, `${exact}/${n} bit-identical`);
});
