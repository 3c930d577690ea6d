// Activation family on the CPU: ReLU, GELU (exact erf and tanh forms), softmax over the last dim. Forwards
// against float64 references under every ISA (GELU also over a dense sweep of [-10, 10], where the exact
// form's erf polynomial changes branch at |x| = sqrt 2), backwards against float64 reference backwards and
// finite differences, then PyTorch. Tolerances: see misc_harness.ts.
import t from 'tap';

import { runOpSync, type Tensor } from '../../src/native.js';
import { gelu, geluBackward, relu, softmax, softmaxBackward } from '../../src/ops/activation.js';
import { ORACLE_SKIP, oraclePython } from '../helpers/oracle.js';
import { mulberry, rand, relL2, toF64 } from '../helpers/tensor.js';
import * as R from '../ref/activation.js';
import { close, ISAS, pytorch, runCase, withIsa, type OpCase } from './misc_harness.js';

const rng = mulberry(202);
const SHAPES = [[2, 7, 9, 5], [1, 13, 11, 33], [3, 5, 5, 8], [1, 1, 1, 16], [3, 197, 40], [2, 5, 7], [4, 1, 64], [2, 1000]];
const one = (op: string, ins: (Tensor | null)[], attrs = {}) => runOpSync(op, ins, attrs)[0]!;
const cases: OpCase[] = [];

for (const s of SHAPES) {
  const C = s[s.length - 1];
  const x = rand(s, rng, -4, 4);
  cases.push({
    name: `relu [${s}]`, op: 'relu', inputs: [x], ref: ([x]) => R.relu(x),
    grads: (dy) => [one('relu_backward', [dy, x])], refGrads: (dy, [x]) => [R.reluBackward(dy, x)],
  });
  for (const approx of ['none', 'tanh'] as const) {
    cases.push({
      name: `gelu ${approx} [${s}]`, op: 'gelu', inputs: [x], attrs: { approx }, ref: ([x]) => R.gelu(x, approx),
      grads: (dy) => [one('gelu_backward', [dy, x], { approx })], refGrads: (dy, [x]) => [R.geluBackward(dy, x, approx)],
    });
  }
  const xs = rand(s, rng, -6, 6);
  cases.push({
    name: `softmax [${s}]`, op: 'softmax', inputs: [xs], ref: ([x]) => R.softmax(x, C),
    grads: (dy, y) => [one('softmax_backward', [dy, y])],
    refGrads: (dy, [x]) => [R.softmaxBackward(dy, R.softmax(x, C), C)],
  });
}

t.test('activations: float64 references (every ISA), reference backwards, finite differences', async (t) => {
  cases.forEach((c, i) => runCase(t, c, 2000 + i));
});

t.test('gelu over a dense sweep of [-10, 10] and softmax of large logits, every ISA', async (t) => {
  const n = 40001;
  const x = { shape: [n], data: Float32Array.from({ length: n }, (_, i) => -10 + (20 * i) / (n - 1)) };
  const dy = { shape: [n], data: new Float32Array(n).fill(1) };
  const x64 = toF64(x);
  for (const isa of ISAS) {
    for (const approx of ['none', 'tanh'] as const) {
      withIsa(isa, () => {
        close(t, `gelu ${approx} [${isa}]`, one('gelu', [x], { approx }).data, R.gelu(x64, approx));
        close(t, `gelu ${approx} derivative [${isa}]`, one('gelu_backward', [dy, x], { approx }).data, R.geluBackward(toF64(dy), x64, approx));
        // The negative tail, relative to itself (a plain rel. L2 over the sweep would hide it).
        const tail = one('gelu', [x], { approx }).data.slice(0, n / 4);
        close(t, `gelu ${approx} tail x < -5 [${isa}]`, tail, R.gelu(x64, approx).slice(0, n / 4), 1e-4);
      });
    }
    withIsa(isa, () => {
      const big = { shape: [3, 5], data: Float32Array.from([1000, 999, -1000, 0, 1e4, -3e4, -3e4, -3e4, -3e4, -3e4, 88, 89, 90, 91, 92]) };
      const y = one('softmax', [big]);
      t.ok(y.data.every(Number.isFinite), `softmax of large logits is finite [${isa}]`);
      close(t, `softmax of large logits [${isa}]`, y.data, R.softmax(toF64(big), 5));
    });
  }
});

t.test('typed wrappers (src/ops/activation.ts)', async (t) => {
  const x = rand([3, 4], mulberry(1));
  t.equal(relL2((await gelu(x, { approximate: 'tanh' })).data, one('gelu', [x], { approx: 'tanh' }).data), 0, 'gelu tanh = the op');
  t.equal(relL2((await relu(x)).data, one('relu', [x]).data), 0, 'relu = the op');
  const y = await softmax(x);
  t.equal(relL2((await softmaxBackward(x, y)).data, one('softmax_backward', [x, y]).data), 0, 'softmaxBackward = the op');
  await t.rejects(gelu(x, { approximate: 'erf' as never }), /expected `approximate` one of "none", "tanh", received "erf"/);
  await t.rejects(geluBackward(x, { shape: [3], data: [1, 2, 3] } as never), /expected `x` a tensor/);
  await t.rejects(gelu(x, { approx: 'tanh' } as never), /unknown option `approx`/);
});

t.test('against PyTorch (float64, autograd)', { skip: oraclePython() ? false : ORACLE_SKIP }, async (t) => {
  const r = mulberry(21);
  const arrays = { x: rand([2, 7, 9, 12], r, -5, 5), dy: rand([2, 7, 9, 12], r) };
  const o = await pytorch(
    [
      { id: 'relu', op: 'relu', inputs: ['x'], dy: 'dy' },
      { id: 'gelu', op: 'gelu', inputs: ['x'], attrs: { approx: 'none' }, dy: 'dy' },
      { id: 'gelu_tanh', op: 'gelu', inputs: ['x'], attrs: { approx: 'tanh' }, dy: 'dy' },
      { id: 'softmax', op: 'softmax', inputs: ['x'], dy: 'dy' },
    ],
    arrays,
  );
  const { x, dy } = arrays;
  close(t, 'relu', one('relu', [x]).data, o.relu_y.data);
  close(t, 'relu dx', one('relu_backward', [dy, x]).data, o.relu_d0.data);
  for (const approx of ['none', 'tanh']) {
    const id = approx === 'none' ? 'gelu' : 'gelu_tanh';
    close(t, `gelu ${approx}`, one('gelu', [x], { approx }).data, o[`${id}_y`].data);
    close(t, `gelu ${approx} dx`, one('gelu_backward', [dy, x], { approx }).data, o[`${id}_d0`].data);
  }
  const sm = one('softmax', [x]);
  close(t, 'softmax', sm.data, o.softmax_y.data);
  close(t, 'softmax dx', one('softmax_backward', [dy, sm]).data, o.softmax_d0.data);
});
