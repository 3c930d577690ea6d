// Norms, activations, softmax, elementwise, pooling, padding, attention and cross-entropy: every op forward
// against a float64 reference (relative L2 ≤ 1e-5) on odd shapes, each backward (input and parameters)
// against central finite differences of that reference (directional, ≤ 1e-4: the float64 difference quotient
// is good to ~1e-9, the float32 analytic gradient to ~1e-6), under every ISA the CPU has, and against PyTorch.
import t from 'tap';

import { engineInfo, runOpSync, type Tensor } from '../../src/native.js';
import { directionalCheck } from '../helpers/gradcheck.js';
import { ORACLE_SKIP, oraclePython, runOracle } from '../helpers/oracle.js';
import { mulberry, rand, relL2, toF64 } from '../helpers/tensor.js';
import * as R from '../ref/misc.js';

type F64 = Float64Array;
interface Case {
  name: string;
  op: string;
  inputs: Tensor[];
  attrs?: Record<string, number | boolean | string | number[]>;
  ref: (x: F64[]) => F64;
  /** The engine's gradient for each input (null: not differentiated), with dy the output weighting. */
  grads: (dy: Tensor, x: Tensor[], y: Tensor) => (Tensor | null)[];
}

const one = (op: string, ins: (Tensor | null)[], attrs = {}) => runOpSync(op, ins, attrs)[0]!;
const rng = mulberry(42);
const NHWC = [[2, 7, 9, 5], [1, 13, 11, 33], [3, 5, 5, 8], [1, 1, 1, 16], [2, 17, 3, 12]];
const TOKENS = [[3, 197, 40], [2, 5, 7], [4, 1, 64]];
const positive = (shape: number[]) => rand(shape, rng, 0.5, 1.5);

const cases: Case[] = [];
for (const s of [...NHWC, ...TOKENS]) {
  const C = s[s.length - 1];
  const x = rand(s, rng);
  const g = rand([C], rng, 0.5, 1.5);
  const b = rand([C], rng);
  cases.push({
    name: `layer_norm ${s}`, op: 'layer_norm', inputs: [x, g, b], attrs: { eps: 1e-6 },
    ref: ([x, g, b]) => R.layerNorm(x, g, b, C, 1e-6),
    grads: (dy, [x, g]) => {
      const p = runOpSync('layer_norm_backward_params', [dy, x], { eps: 1e-6 });
      return [one('layer_norm_backward_input', [dy, x, g], { eps: 1e-6 }), p[0], p[1]];
    },
  });
  const mean = rand([C], rng);
  const vr = positive([C]);
  cases.push({
    name: `batch_norm ${s}`, op: 'batch_norm', inputs: [x, g, b, mean, vr], attrs: { eps: 1e-5 },
    ref: ([x, g, b, m, v]) => R.batchNorm(x, g, b, m, v, C, 1e-5),
    grads: (dy, [x, g, , m, v]) => {
      const p = runOpSync('batch_norm_backward_params', [dy, x, m, v], { eps: 1e-5 });
      return [one('batch_norm_backward_input', [dy, g, v], { eps: 1e-5 }), p[0], p[1], null, null];
    },
  });
  for (const approx of ['none', 'tanh'] as const) {
    cases.push({ name: `gelu ${approx} ${s}`, op: 'gelu', inputs: [rand(s, rng, -4, 4)], attrs: { approx }, ref: ([x]) => R.gelu(x, approx), grads: (dy, [x]) => [one('gelu_backward', [dy, x], { approx })] });
  }
  cases.push({ name: `relu ${s}`, op: 'relu', inputs: [x], ref: ([x]) => R.relu(x), grads: (dy, [x]) => [one('relu_backward', [dy, x])] });
  cases.push({ name: `softmax ${s}`, op: 'softmax', inputs: [rand(s, rng, -3, 3)], ref: ([x]) => R.softmax(x, C), grads: (dy, _x, y) => [one('softmax_backward', [dy, y])] });
  for (const [op, f] of [['add', (p: number, q: number) => p + q], ['mul', (p: number, q: number) => p * q]] as const) {
    for (const bshape of [s, [C]]) {
      const bb = rand(bshape, rng);
      cases.push({
        name: `${op} ${s} by [${bshape}]`, op, inputs: [x, bb], ref: ([a, c]) => R.broadcast(a, c, f),
        grads: (dy, [a, c]) => (op === 'add' ? runOpSync('add_backward', [dy], { b_shape: c.shape }) : runOpSync('mul_backward', [dy, a, c])),
      });
    }
  }
  cases.push({ name: `scale ${s}`, op: 'scale', inputs: [x], attrs: { s: -1.7 }, ref: ([x]) => x.map((v) => -1.7 * v), grads: (dy) => [one('scale_backward', [dy], { s: -1.7 })] });
  const dims = s.map((_, i) => s.length - 1 - i);
  cases.push({ name: `permute ${s} -> [${dims}]`, op: 'permute', inputs: [x], attrs: { dims }, ref: ([x]) => R.permute(x, s, dims), grads: (dy) => [one('permute_backward', [dy], { dims })] });
}

for (const s of NHWC) {
  const C = s[3];
  const x = rand(s, rng);
  const mean = Array.from({ length: C }, () => rng());
  const std = Array.from({ length: C }, () => 0.2 + rng());
  cases.push({ name: `pixel_normalize ${s}`, op: 'pixel_normalize', inputs: [x], attrs: { mean, std }, ref: ([x]) => R.pixelNormalize(x, mean, std), grads: (dy) => [one('pixel_normalize_backward', [dy], { std })] });
  for (const groups of [1, C].concat(C % 4 === 0 ? [4] : [])) {
    const g = rand([C], rng, 0.5, 1.5);
    const b = rand([C], rng);
    cases.push({
      name: `group_norm ${s} groups ${groups}`, op: 'group_norm', inputs: [x, g, b], attrs: { groups, eps: 1e-5 },
      ref: ([x, g, b]) => R.groupNorm(x, g, b, s, groups, 1e-5),
      grads: (dy, [x, g]) => {
        const p = runOpSync('group_norm_backward_params', [dy, x], { groups, eps: 1e-5 });
        return [one('group_norm_backward_input', [dy, x, g], { groups, eps: 1e-5 }), p[0], p[1]];
      },
    });
  }
  cases.push({ name: `global_avg_pool ${s}`, op: 'global_avg_pool', inputs: [x], ref: ([x]) => R.globalAvgPool(x, s), grads: (dy) => [one('global_avg_pool_backward', [dy], { x_shape: s })] });
  const pad = { pad_t: 1, pad_b: 2, pad_l: 0, pad_r: 3, value: -0.5 };
  cases.push({ name: `pad2d ${s}`, op: 'pad2d', inputs: [x], attrs: pad, ref: ([x]) => R.pad2d(x, s, pad), grads: (dy) => [one('pad2d_backward', [dy], pad)] });
  for (const [k, st, p] of [[1, 1, 0], [3, 2, 1], [3, 1, 1], [7, 2, 3], [2, 2, 0]]) {
    if (s[1] + 2 * p < k || s[2] + 2 * p < k) continue;
    for (const kind of ['max', 'avg'] as const) {
      for (const cip of kind === 'avg' ? [true, false] : [true]) {
        const a = { kernel_h: k, kernel_w: k, stride_h: st, stride_w: st, pad_t: p, pad_b: p, pad_l: p, pad_r: p, count_include_pad: cip };
        cases.push({
          name: `${kind}_pool2d ${s} k${k} s${st} p${p}${cip ? '' : ' excl. pad'}`, op: `${kind}_pool2d`, inputs: [x], attrs: a,
          ref: ([x]) => R.pool(x, s, a, kind),
          grads: (dy, [x]) => [kind === 'max' ? one('max_pool2d_backward', [dy, x], a) : one('avg_pool2d_backward', [dy], { ...a, x_shape: s })],
        });
      }
    }
  }
}

for (const s of [[2, 3, 7, 8], [1, 6, 197, 16], [3, 1, 5, 4], [1, 2, 1, 3], [2, 4, 13, 9]]) {
  const [q, k, v] = [rand(s, rng), rand(s, rng), rand(s, rng)];
  const scale = 1 / Math.sqrt(s[3]);
  cases.push({
    name: `attention ${s}`, op: 'attention', inputs: [q, k, v], attrs: { scale },
    ref: ([q, k, v]) => R.attention(q, k, v, s, scale),
    grads: (dy, [q, k, v]) => {
      const probs = runOpSync('attention', [q, k, v], { scale })[1];
      return runOpSync('attention_backward', [dy, q, k, v, probs], { scale });
    },
  });
}

for (const [N, K] of [[3, 10], [1, 1000], [5, 7], [2, 200], [4, 3]]) {
  const labels = Array.from({ length: N }, (_, i) => (i * 7) % K);
  cases.push({
    name: `cross_entropy ${N}x${K}`, op: 'cross_entropy', inputs: [rand([N, K], rng, -5, 5)], attrs: { labels },
    ref: ([x]) => R.crossEntropy(x, K, labels),
    grads: (dy, [x]) => [one('cross_entropy_backward', [dy, x], { labels })],
  });
}

const isas = ['avx512', 'avx2', 'scalar'].slice(['avx512', 'avx2', 'scalar'].indexOf(engineInfo().cpu.isa_detected));

t.test('every op against its float64 reference and finite differences', async (t) => {
  for (const c of cases) {
    const x64 = c.inputs.map(toF64);
    const want = c.ref(x64);
    for (const isa of isas) {
      process.env.LKR_ISA = isa;
      const y = one(c.op, c.inputs, c.attrs);
      const e = relL2(y.data, want);
      if (!(e <= 1e-5)) t.fail(`${c.name} [${isa}]: forward rel. L2 ${e}`);
    }
    delete process.env.LKR_ISA;
    const y = one(c.op, c.inputs, c.attrs);
    t.ok(relL2(y.data, want) <= 1e-5, `${c.name}: forward`);
    const dy = rand(y.shape, rng);
    const grads = c.grads(dy, c.inputs, y);
    const which = grads.flatMap((g, i) => (g ? [i] : []));
    const res = directionalCheck(c.ref, x64, grads.map((g) => (g ? toF64(g) : new Float64Array(0))), toF64(dy), { which });
    res.errors.forEach((err, j) => t.ok(err <= 1e-4, `${c.name}: d/d input ${which[j]} vs finite differences (${err.toExponential(1)})`));
  }
});

t.test('against PyTorch (float64, autograd)', { skip: oraclePython() ? false : ORACLE_SKIP }, async (t) => {
  const x = rand([2, 7, 9, 12], mulberry(3));
  const dy = rand([2, 7, 9, 12], mulberry(4));
  const g = rand([12], mulberry(5), 0.5, 1.5);
  const b = rand([12], mulberry(6));
  const q = rand([2, 3, 11, 8], mulberry(7));
  const k = rand([2, 3, 11, 8], mulberry(8));
  const v = rand([2, 3, 11, 8], mulberry(9));
  const dq = rand([2, 3, 11, 8], mulberry(10));
  const logits = rand([4, 10], mulberry(11), -3, 3);
  const o = await runOracle(new URL('../oracle/ops_misc.py', import.meta.url).pathname, {}, { x, dy, g, b, q, k, v, dq, logits });
  const cmp = (name: string, got: Tensor | null, ref: string) => t.ok(relL2(got!.data, o[ref].data) <= 1e-5, `${name} (${relL2(got!.data, o[ref].data).toExponential(1)})`);
  cmp('layer_norm', one('layer_norm', [x, g, b], { eps: 1e-6 }), 'ln');
  cmp('layer_norm dx', one('layer_norm_backward_input', [dy, x, g], { eps: 1e-6 }), 'ln_dx');
  const lp = runOpSync('layer_norm_backward_params', [dy, x], { eps: 1e-6 });
  cmp('layer_norm dgamma', lp[0], 'ln_dg');
  cmp('group_norm', one('group_norm', [x, g, b], { groups: 3, eps: 1e-5 }), 'gn');
  cmp('group_norm dx', one('group_norm_backward_input', [dy, x, g], { groups: 3, eps: 1e-5 }), 'gn_dx');
  cmp('gelu', one('gelu', [x]), 'gelu');
  cmp('gelu dx', one('gelu_backward', [dy, x]), 'gelu_dx');
  cmp('gelu tanh', one('gelu', [x], { approx: 'tanh' }), 'gelu_tanh');
  const sm = one('softmax', [x]);
  cmp('softmax', sm, 'softmax');
  cmp('softmax dx', one('softmax_backward', [dy, sm]), 'softmax_dx');
  const pa = { kernel_h: 3, kernel_w: 3, stride_h: 2, stride_w: 2, pad_t: 1, pad_b: 1, pad_l: 1, pad_r: 1 };
  cmp('max_pool2d', one('max_pool2d', [x], pa), 'maxpool');
  cmp('avg_pool2d', one('avg_pool2d', [x], pa), 'avgpool');
  const [out, probs] = runOpSync('attention', [q, k, v], { scale: 1 / Math.sqrt(8) });
  cmp('attention', out, 'att');
  const ag = runOpSync('attention_backward', [dq, q, k, v, probs], { scale: 1 / Math.sqrt(8) });
  cmp('attention dq', ag[0], 'att_dq');
  cmp('attention dk', ag[1], 'att_dk');
  cmp('attention dv', ag[2], 'att_dv');
  const labels = [1, 0, 9, 4];
  cmp('cross_entropy', one('cross_entropy', [logits], { labels }), 'ce');
  cmp('cross_entropy dlogits', one('cross_entropy_backward', [{ shape: [4], data: new Float32Array(4).fill(1) }, logits], { labels }), 'ce_dx');
});
