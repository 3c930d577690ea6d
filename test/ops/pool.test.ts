// Pooling family on the CPU, NHWC: avg_pool2d (with and without the padding counted), max_pool2d (padding
// = -inf, gradient to the first maximum), global_avg_pool, pad2d. Kernels 1, 2, 3, 7 (and a rectangular
// 3x5), strides 1 and 2, symmetric and asymmetric padding, on odd shapes; forwards under every ISA against
// float64, backwards against float64 reference backwards and finite differences, then PyTorch.
// Max pooling inputs are distinct values (a shuffled ramp) so no finite-difference step crosses a tie.
// Tolerances: see misc_harness.ts.
import t from 'tap';

import { runOpSync, type Tensor } from '../../src/native.js';
import { avgPool2d, globalAvgPool, maxPool2d, maxPool2dBackward, pad2d, pool2dAttrs } from '../../src/ops/pool.js';
import { ORACLE_SKIP, oraclePython } from '../helpers/oracle.js';
import { mulberry, rand, relL2 } from '../helpers/tensor.js';
import * as R from '../ref/pool.js';
import { close, distinct, pytorch, runCase, type OpCase } from './misc_harness.js';

const rng = mulberry(404);
const NHWC = [[2, 7, 9, 5], [1, 13, 11, 33], [3, 5, 5, 8], [1, 1, 1, 16], [2, 17, 3, 12]];
const one = (op: string, ins: (Tensor | null)[], attrs = {}) => runOpSync(op, ins, attrs)[0]!;
const cases: OpCase[] = [];

interface Geometry {
  k: [number, number];
  s: number;
  p: [number, number, number, number];
}
const GEOMETRIES: Geometry[] = [
  { k: [1, 1], s: 1, p: [0, 0, 0, 0] },
  { k: [3, 3], s: 2, p: [1, 1, 1, 1] },
  { k: [3, 3], s: 1, p: [1, 1, 1, 1] },
  { k: [7, 7], s: 2, p: [3, 3, 3, 3] },
  { k: [7, 7], s: 1, p: [0, 2, 3, 1] },
  { k: [2, 2], s: 2, p: [0, 0, 0, 0] },
  { k: [3, 5], s: 2, p: [0, 1, 2, 2] },
];

for (const s of NHWC) {
  const x = rand(s, rng);
  const xd = distinct(s, rng);
  for (const g of GEOMETRIES) {
    const [pad_t, pad_b, pad_l, pad_r] = g.p;
    if (s[1] + pad_t + pad_b < g.k[0] || s[2] + pad_l + pad_r < g.k[1]) continue;
    const base = { kernel_h: g.k[0], kernel_w: g.k[1], stride_h: g.s, stride_w: g.s, pad_t, pad_b, pad_l, pad_r };
    const tag = `k${g.k.join('x')} s${g.s} p${g.p.join(',')}`;
    const a = { ...base, count_include_pad: true };
    cases.push({
      name: `max_pool2d [${s}] ${tag}`, op: 'max_pool2d', inputs: [xd], attrs: a, ref: ([x]) => R.pool(x, s, a, 'max'),
      grads: (dy) => [one('max_pool2d_backward', [dy, xd], a)], refGrads: (dy, [x]) => [R.poolBackward(dy, x, s, a, 'max')],
    });
    for (const cip of [true, false]) {
      const aa = { ...base, count_include_pad: cip };
      cases.push({
        name: `avg_pool2d [${s}] ${tag}${cip ? '' : ' excl. pad'}`, op: 'avg_pool2d', inputs: [x], attrs: aa, ref: ([x]) => R.pool(x, s, aa, 'avg'),
        grads: (dy) => [one('avg_pool2d_backward', [dy], { ...aa, x_shape: s })], refGrads: (dy, [x]) => [R.poolBackward(dy, x, s, aa, 'avg')],
      });
    }
  }
  cases.push({
    name: `global_avg_pool [${s}]`, op: 'global_avg_pool', inputs: [x], ref: ([x]) => R.globalAvgPool(x, s),
    grads: (dy) => [one('global_avg_pool_backward', [dy], { x_shape: s })], refGrads: (dy) => [R.globalAvgPoolBackward(dy, s)],
  });
  for (const pad of [{ pad_t: 1, pad_b: 2, pad_l: 0, pad_r: 3, value: -0.5 }, { pad_t: 3, pad_b: 3, pad_l: 3, pad_r: 3, value: 0 }]) {
    cases.push({
      name: `pad2d [${s}] (${pad.pad_t},${pad.pad_b},${pad.pad_l},${pad.pad_r}) value ${pad.value}`, op: 'pad2d', inputs: [x], attrs: pad,
      ref: ([x]) => R.pad2d(x, s, pad),
      grads: (dy) => [one('pad2d_backward', [dy], pad)], refGrads: (dy) => [R.pad2dBackward(dy, s, pad)],
    });
  }
}

t.test('pooling: float64 references (every ISA), reference backwards, finite differences', async (t) => {
  cases.forEach((c, i) => runCase(t, c, 4000 + i));
});

t.test('max pooling routes a tie to the first maximum in window order, as PyTorch', async (t) => {
  const x = { shape: [1, 2, 2, 1], data: Float32Array.from([5, 5, 5, 5]) };
  const a = pool2dAttrs({ kernelSize: 2 });
  const dx = one('max_pool2d_backward', [{ shape: [1, 1, 1, 1], data: Float32Array.from([1]) }, x], a);
  t.same([...dx.data], [1, 0, 0, 0]);
});

t.test('max pooling propagates NaN per channel and routes its gradient to the first NaN, as PyTorch', async (t) => {
  // One 2x2 window, 3 channels: (a) NaN after a larger value, (b) NaN first then larger values, (c) no NaN.
  const v = [
    [1, 9, 2], // tap (0,0)
    [Number.NaN, 3, 4], // tap (0,1)
    [7, Number.NaN, 8], // tap (1,0)
    [Number.NaN, 5, 1], // tap (1,1)
  ];
  const x = { shape: [1, 2, 2, 3], data: Float32Array.from(v.flat()) };
  const a = pool2dAttrs({ kernelSize: 2 });
  const y = one('max_pool2d', [x], a);
  t.ok(Number.isNaN(y.data[0]) && Number.isNaN(y.data[1]), 'a NaN anywhere in the window gives NaN');
  t.equal(y.data[2], 8, 'no NaN: the maximum');
  const dx = one('max_pool2d_backward', [{ shape: [1, 1, 1, 3], data: Float32Array.from([1, 2, 3]) }, x], a);
  t.same([...dx.data], [0, 0, 0, 1, 0, 0, 0, 2, 3, 0, 0, 0], 'the gradient goes to the first NaN (or the maximum)');
});

t.test('typed wrappers (src/ops/pool.ts)', async (t) => {
  const x = rand([1, 9, 9, 3], mulberry(1));
  const attrs = { kernel_h: 3, kernel_w: 3, stride_h: 2, stride_w: 2, pad_t: 1, pad_b: 1, pad_l: 1, pad_r: 1, count_include_pad: false };
  t.same(pool2dAttrs({ kernelSize: 3, stride: 2, padding: 1, countIncludePad: false }), attrs, 'attrs from options');
  t.same(pool2dAttrs({ kernelSize: [3, 5] }).stride_w, 5, 'stride defaults to the kernel, as PyTorch');
  t.equal(relL2((await avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false })).data, one('avg_pool2d', [x], attrs).data), 0, 'avgPool2d = the op');
  const y = await maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 });
  t.same((await maxPool2dBackward(y, x, { kernelSize: 3, stride: 2, padding: 1 })).shape, x.shape, 'maxPool2dBackward shape');
  t.same((await globalAvgPool(x)).shape, [1, 3], 'globalAvgPool shape');
  t.same((await pad2d(x, { padding: [1, 0, 2, 0], value: 1 })).shape, [1, 10, 11, 3], 'pad2d shape');
  await t.rejects(maxPool2d(x, { kernelSize: 0 }), /expected `kernelSize` an integer >= 1, received 0/);
  await t.rejects(maxPool2d(x, { kernelSize: 3, padding: 3 }), /expected each padding smaller than the kernel/);
  await t.rejects(avgPool2d(x, { kernelSize: 3, countIncludePad: 'yes' } as never), /expected `countIncludePad` a boolean, received "yes"/);
  await t.rejects(pad2d(x, { padding: -1 }), /expected `padding` an integer >= 0, received -1|padding\[0\]/);
  await t.rejects(maxPool2d(x, { kernel: 3 } as never), /unknown option `kernel`/);
});

t.test('against PyTorch (float64, autograd)', { skip: oraclePython() ? false : ORACLE_SKIP }, async (t) => {
  const s = [2, 11, 9, 6];
  const r = mulberry(41);
  const x = distinct(s, r);
  const arrays: Record<string, Tensor> = { x };
  const cases = [];
  const geoms = [[3, 2, 1], [7, 2, 3], [3, 1, 1], [2, 2, 0], [1, 1, 0]];
  for (const [k, st, p] of geoms) {
    const a = { kernel_h: k, kernel_w: k, stride_h: st, stride_w: st, pad_t: p, pad_b: p, pad_l: p, pad_r: p };
    const ys = R.poolOut(s, a);
    arrays[`dy_k${k}s${st}`] = rand(ys, r);
    cases.push({ id: `max_k${k}s${st}`, op: 'max_pool2d', inputs: ['x'], attrs: a, dy: `dy_k${k}s${st}` });
    for (const cip of [true, false]) {
      cases.push({ id: `avg_k${k}s${st}_${cip}`, op: 'avg_pool2d', inputs: ['x'], attrs: { ...a, count_include_pad: cip }, dy: `dy_k${k}s${st}` });
    }
  }
  arrays.dyg = rand([2, 6], r);
  cases.push({ id: 'gap', op: 'global_avg_pool', inputs: ['x'], dy: 'dyg' });
  const pad = { pad_t: 1, pad_b: 2, pad_l: 0, pad_r: 3, value: -0.5 };
  arrays.dyp = rand(R.pad2dOut(s, pad), r);
  cases.push({ id: 'pad', op: 'pad2d', inputs: ['x'], attrs: pad, dy: 'dyp' });
  const o = await pytorch(cases, arrays);
  for (const [k, st, p] of geoms) {
    const a = { kernel_h: k, kernel_w: k, stride_h: st, stride_w: st, pad_t: p, pad_b: p, pad_l: p, pad_r: p };
    const dy = arrays[`dy_k${k}s${st}`];
    close(t, `max_pool2d k${k} s${st} p${p}`, one('max_pool2d', [x], a).data, o[`max_k${k}s${st}_y`].data);
    close(t, `max_pool2d k${k} s${st} p${p} dx`, one('max_pool2d_backward', [dy, x], a).data, o[`max_k${k}s${st}_d0`].data);
    for (const cip of [true, false]) {
      const aa = { ...a, count_include_pad: cip };
      close(t, `avg_pool2d k${k} s${st} p${p} cip ${cip}`, one('avg_pool2d', [x], aa).data, o[`avg_k${k}s${st}_${cip}_y`].data);
      close(t, `avg_pool2d k${k} s${st} p${p} cip ${cip} dx`, one('avg_pool2d_backward', [dy], { ...aa, x_shape: s }).data, o[`avg_k${k}s${st}_${cip}_d0`].data);
    }
  }
  close(t, 'global_avg_pool', one('global_avg_pool', [x]).data, o.gap_y.data);
  close(t, 'global_avg_pool dx', one('global_avg_pool_backward', [arrays.dyg], { x_shape: s }).data, o.gap_d0.data);
  close(t, 'pad2d', one('pad2d', [x], pad).data, o.pad_y.data);
  close(t, 'pad2d dx', one('pad2d_backward', [arrays.dyp], pad).data, o.pad_d0.data);
});
