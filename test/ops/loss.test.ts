// Cross-entropy on the CPU: per-sample loss (N) = logsumexp(x) - x[label], and dlogits = (softmax - onehot)
// dloss[n]. Against the float64 reference (including logits of 1e4 that overflow a naive exp), finite
// differences, and PyTorch's F.cross_entropy(reduction='none'). Tolerances: see misc_harness.ts.
import t from 'tap';

import { runOpSync } from '../../src/native.js';
import { crossEntropy, crossEntropyBackward } from '../../src/ops/loss.js';
import { ORACLE_SKIP, oraclePython } from '../helpers/oracle.js';
import { mulberry, rand, relL2, toF64 } from '../helpers/tensor.js';
import * as R from '../ref/loss.js';
import { close, pytorch, runCase, type OpCase } from './misc_harness.js';

const rng = mulberry(606);
const cases: OpCase[] = [];

for (const [N, K] of [[3, 10], [1, 1000], [5, 7], [2, 200], [4, 3], [7, 1]]) {
  const labels = Array.from({ length: N }, (_, i) => (i * 7) % K);
  const x = rand([N, K], rng, -5, 5);
  cases.push({
    name: `cross_entropy ${N}x${K}`, op: 'cross_entropy', inputs: [x], attrs: { labels },
    ref: ([x]) => R.crossEntropy(x, K, labels),
    grads: (dy) => [runOpSync('cross_entropy_backward', [dy, x], { labels })[0]],
    refGrads: (dy, [x]) => [R.crossEntropyBackward(dy, x, K, labels)],
  });
}

t.test('cross-entropy: float64 reference (every ISA), reference backward, finite differences', async (t) => {
  cases.forEach((c, i) => runCase(t, c, 6000 + i));
});

t.test('stable for huge logits', async (t) => {
  const x = { shape: [3, 4], data: Float32Array.from([1e4, 0, -1e4, 5, -3e4, -3e4, -3e4, -3e4, 88, 89, 90, 91]) };
  const labels = [1, 2, 3];
  const loss = runOpSync('cross_entropy', [x], { labels })[0]!;
  t.ok(loss.data.every(Number.isFinite), 'finite losses');
  close(t, 'loss', loss.data, R.crossEntropy(toF64(x), 4, labels));
  const d = runOpSync('cross_entropy_backward', [{ shape: [3], data: Float32Array.from([1, 2, -1]) }, x], { labels })[0]!;
  close(t, 'dlogits', d.data, R.crossEntropyBackward(Float64Array.from([1, 2, -1]), toF64(x), 4, labels));
});

t.test('typed wrappers (src/ops/loss.ts)', async (t) => {
  const x = rand([2, 5], mulberry(1));
  t.equal(relL2((await crossEntropy(x, [1, 4])).data, runOpSync('cross_entropy', [x], { labels: [1, 4] })[0]!.data), 0, 'crossEntropy = the op');
  const d = await crossEntropyBackward(null, x, [1, 4]);
  t.equal(relL2(d.data, runOpSync('cross_entropy_backward', [{ shape: [2], data: Float32Array.from([1, 1]) }, x], { labels: [1, 4] })[0]!.data), 0, 'dloss defaults to ones');
  await t.rejects(crossEntropy(x, [1]), /expected `labels` of length 2, received 1/);
  await t.rejects(crossEntropy(x, [1, 5]), /expected `labels\[1\]` an integer in \[0, 5\), received 5/);
  await t.rejects(crossEntropy(x, [1, 0.5]), /labels\[1\]/);
});

t.test('against PyTorch F.cross_entropy (float64, autograd)', { skip: oraclePython() ? false : ORACLE_SKIP }, async (t) => {
  const r = mulberry(61);
  const arrays = { x: rand([6, 1000], r, -8, 8), dy: rand([6], r) };
  const labels = [0, 999, 3, 500, 17, 17];
  const o = await pytorch([{ id: 'ce', op: 'cross_entropy', inputs: ['x'], attrs: { labels }, dy: 'dy' }], arrays);
  close(t, 'loss', runOpSync('cross_entropy', [arrays.x], { labels })[0]?.data, o.ce_y.data);
  close(t, 'dlogits', runOpSync('cross_entropy_backward', [arrays.dy, arrays.x], { labels })[0]?.data, o.ce_d0.data);
});
