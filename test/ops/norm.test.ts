// Norm family on the CPU: batch norm (inference), layer norm, group norm, pixel normalisation. Each forward
// against its float64 reference on odd NHWC and token shapes under every ISA; each backward (input and
// parameters) against float64 reference backwards and central finite differences; then PyTorch (float64).
// Tolerances: see misc_harness.ts (REF_TOL 1e-5, FD_TOL 1e-4).
import t from 'tap';

import { runOpSync, type Tensor } from '../../src/native.js';
import { batchNorm, groupNorm, layerNorm, pixelNormalize } from '../../src/ops/norm.js';
import { ORACLE_SKIP, oraclePython } from '../helpers/oracle.js';
import { mulberry, rand, relL2 } from '../helpers/tensor.js';
import * as R from '../ref/norm.js';
import { close, pytorch, runCase, type OpCase } from './misc_harness.js';

const rng = mulberry(101);
const NHWC = [[2, 7, 9, 5], [1, 13, 11, 33], [3, 5, 5, 8], [1, 1, 1, 16], [2, 17, 3, 12]];
const TOKENS = [[3, 197, 40], [2, 5, 7], [4, 1, 64]];
const one = (op: string, ins: (Tensor | null)[], attrs = {}) => runOpSync(op, ins, attrs)[0]!;
const cases: OpCase[] = [];

for (const s of [...NHWC, ...TOKENS]) {
  const C = s[s.length - 1];
  const x = rand(s, rng);
  const g = rand([C], rng, 0.5, 1.5);
  const b = rand([C], rng);
  const eps = 1e-6;
  cases.push({
    name: `layer_norm [${s}]`, op: 'layer_norm', inputs: [x, g, b], attrs: { eps },
    ref: ([x, g, b]) => R.layerNorm(x, g, b, C, eps),
    grads: (dy) => {
      const p = runOpSync('layer_norm_backward_params', [dy, x], { eps });
      return [one('layer_norm_backward_input', [dy, x, g], { eps }), p[0], p[1]];
    },
    refGrads: (dy, [x, g]) => {
      const r = R.layerNormBackward(dy, x, g, C, eps);
      return [r.dx, r.dg, r.db];
    },
  });
  const mean = rand([C], rng);
  const vr = rand([C], rng, 0.5, 1.5);
  cases.push({
    name: `batch_norm [${s}]`, op: 'batch_norm', inputs: [x, g, b, mean, vr], attrs: { eps: 1e-5 },
    ref: ([x, g, b, m, v]) => R.batchNorm(x, g, b, m, v, C, 1e-5),
    grads: (dy) => {
      const p = runOpSync('batch_norm_backward_params', [dy, x, mean, vr], { eps: 1e-5 });
      return [one('batch_norm_backward_input', [dy, g, vr], { eps: 1e-5 }), p[0], p[1], null, null];
    },
    refGrads: (dy, [x, g, , m, v]) => {
      const r = R.batchNormBackward(dy, x, g, m, v, C, 1e-5);
      return [r.dx, r.dg, r.db, null, null];
    },
  });
}

for (const s of NHWC) {
  const C = s[3];
  const x = rand(s, rng, -2, 3);
  const mean = Array.from({ length: C }, () => rng());
  const std = Array.from({ length: C }, () => 0.2 + rng());
  cases.push({
    name: `pixel_normalize [${s}]`, op: 'pixel_normalize', inputs: [x], attrs: { mean, std },
    ref: ([x]) => R.pixelNormalize(x, mean, std),
    grads: (dy) => [one('pixel_normalize_backward', [dy], { std })],
    refGrads: (dy) => [R.pixelNormalizeBackward(dy, std)],
  });
  // Several group counts: one group (instance-like over all channels), every channel its own group, and
  // the divisors in between.
  const counts = [...new Set([1, C, ...[2, 3, 4, 8, 11].filter((g) => C % g === 0)])];
  for (const groups of counts) {
    const g = rand([C], rng, 0.5, 1.5);
    const b = rand([C], rng);
    const eps = 1e-5;
    cases.push({
      name: `group_norm [${s}] groups ${groups}`, op: 'group_norm', inputs: [x, g, b], attrs: { groups, eps },
      ref: ([x, g, b]) => R.groupNorm(x, g, b, s, groups, eps),
      grads: (dy) => {
        const p = runOpSync('group_norm_backward_params', [dy, x], { groups, eps });
        return [one('group_norm_backward_input', [dy, x, g], { groups, eps }), p[0], p[1]];
      },
      refGrads: (dy, [x, g]) => {
        const r = R.groupNormBackward(dy, x, g, s, groups, eps);
        return [r.dx, r.dg, r.db];
      },
    });
  }
}

t.test('norms: float64 references (every ISA), reference backwards, finite differences', async (t) => {
  cases.forEach((c, i) => runCase(t, c, 1000 + i));
});

t.test('a large mean with a small spread keeps its precision (statistics in double)', async (t) => {
  const s = [2, 3, 5, 24];
  const x = rand(s, mulberry(7), 999.5, 1000.5);
  const g = rand([24], mulberry(8), 0.5, 1.5);
  const b = rand([24], mulberry(9));
  close(t, 'layer_norm', one('layer_norm', [x, g, b], { eps: 1e-6 }).data, R.layerNorm(Float64Array.from(x.data), Float64Array.from(g.data), Float64Array.from(b.data), 24, 1e-6), 1e-4);
  close(t, 'group_norm', one('group_norm', [x, g, b], { groups: 4, eps: 1e-6 }).data, R.groupNorm(Float64Array.from(x.data), Float64Array.from(g.data), Float64Array.from(b.data), s, 4, 1e-6), 1e-4);
});

t.test('typed wrappers (src/ops/norm.ts) validate their options', async (t) => {
  const x = rand([1, 3, 3, 4], mulberry(3));
  const g = rand([4], mulberry(4));
  const b = rand([4], mulberry(5));
  const y = await layerNorm(x, g, b, { eps: 1e-6 });
  t.ok(relL2(y.data, one('layer_norm', [x, g, b], { eps: 1e-6 }).data) === 0, 'layerNorm = the op');
  await t.rejects(groupNorm(x, g, b, { groups: 3 }), /groups.*divid|expected groups/, 'groups not dividing C');
  await t.rejects(groupNorm(x, g, b, { groups: 1.5 }), /expected `groups` an integer >= 1, received 1.5/);
  await t.rejects(layerNorm(x, g, b, { eps: -1 }), /expected `eps` a finite number >= 0, received -1/);
  await t.rejects(batchNorm(x, g, b, g, b, { eps: Number.NaN }), /eps/);
  await t.rejects(pixelNormalize(x, { mean: [0, 0], std: [1, 1, 1, 1] }), /expected `mean` of length 4, received 2/);
  await t.rejects(pixelNormalize(x, { mean: [0, 0, 0, 0], std: [1, 0, 1, 1] }), /std\[1\]/);
  await t.rejects(layerNorm(x, g, b, { eps: 1e-5, bogus: 1 } as never), /unknown option `bogus`/);
});

t.test('against PyTorch (float64, autograd)', { skip: oraclePython() ? false : ORACLE_SKIP }, async (t) => {
  const s = [2, 7, 9, 12];
  const r = mulberry(11);
  const arrays = { x: rand(s, r), dy: rand(s, r), g: rand([12], r, 0.5, 1.5), b: rand([12], r), m: rand([12], r), v: rand([12], r, 0.5, 1.5) };
  const o = await pytorch(
    [
      { id: 'bn', op: 'batch_norm', inputs: ['x', 'g', 'b', 'm', 'v'], attrs: { eps: 1e-5 }, dy: 'dy', wrt: [0, 1, 2] },
      { id: 'ln', op: 'layer_norm', inputs: ['x', 'g', 'b'], attrs: { eps: 1e-6 }, dy: 'dy' },
      { id: 'gn3', op: 'group_norm', inputs: ['x', 'g', 'b'], attrs: { groups: 3, eps: 1e-5 }, dy: 'dy' },
      { id: 'gn12', op: 'group_norm', inputs: ['x', 'g', 'b'], attrs: { groups: 12, eps: 1e-5 }, dy: 'dy' },
      { id: 'pn', op: 'pixel_normalize', inputs: ['x'], attrs: { mean: [...arrays.m.data], std: [...arrays.v.data] }, dy: 'dy' },
    ],
    arrays,
  );
  const { x, dy, g, b, m, v } = arrays;
  const bnp = runOpSync('batch_norm_backward_params', [dy, x, m, v], { eps: 1e-5 });
  close(t, 'batch_norm', one('batch_norm', [x, g, b, m, v], { eps: 1e-5 }).data, o.bn_y.data);
  close(t, 'batch_norm dx', one('batch_norm_backward_input', [dy, g, v], { eps: 1e-5 }).data, o.bn_d0.data);
  close(t, 'batch_norm dgamma', bnp[0]?.data, o.bn_d1.data);
  close(t, 'batch_norm dbeta', bnp[1]?.data, o.bn_d2.data);
  const lnp = runOpSync('layer_norm_backward_params', [dy, x], { eps: 1e-6 });
  close(t, 'layer_norm', one('layer_norm', [x, g, b], { eps: 1e-6 }).data, o.ln_y.data);
  close(t, 'layer_norm dx', one('layer_norm_backward_input', [dy, x, g], { eps: 1e-6 }).data, o.ln_d0.data);
  close(t, 'layer_norm dgamma', lnp[0]?.data, o.ln_d1.data);
  close(t, 'layer_norm dbeta', lnp[1]?.data, o.ln_d2.data);
  for (const groups of [3, 12]) {
    const id = `gn${groups}`;
    const p = runOpSync('group_norm_backward_params', [dy, x], { groups, eps: 1e-5 });
    close(t, `group_norm groups ${groups}`, one('group_norm', [x, g, b], { groups, eps: 1e-5 }).data, o[`${id}_y`].data);
    close(t, `group_norm groups ${groups} dx`, one('group_norm_backward_input', [dy, x, g], { groups, eps: 1e-5 }).data, o[`${id}_d0`].data);
    close(t, `group_norm groups ${groups} dgamma`, p[0]?.data, o[`${id}_d1`].data);
    close(t, `group_norm groups ${groups} dbeta`, p[1]?.data, o[`${id}_d2`].data);
  }
  const std = [...v.data];
  close(t, 'pixel_normalize', one('pixel_normalize', [x], { mean: [...m.data], std }).data, o.pn_y.data);
  close(t, 'pixel_normalize dx', one('pixel_normalize_backward', [dy], { std }).data, o.pn_d0.data);
});
