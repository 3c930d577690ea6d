// conv2d (forward, backward-input, backward-params) and weight_standardize on the CPU backend, against
// float64 naive references (test/ref/conv.ts), central finite differences of those references, and PyTorch.
//
// Tolerances:
// - forward and analytic backwards vs the float64 reference: relative L2 <= 1e-5. The engine computes in
//   float32 (unit roundoff 6e-8); a sum of K products in float32 drifts by ~sqrt(K) ulps, i.e. ~1e-6 for the
//   ~2000-term sums of the 31x31 kernels. An indexing slip gives errors of order 1.
// - directional derivatives vs central finite differences (h = 1e-6, in float64): 1e-4. The difference
//   quotient itself is accurate to ~1e-9 here (truncation h^2 * f''' and rounding eps64 / h); the rest is the
//   float32 error of the analytic gradient above, plus cancellation in <grad, v> for a random direction v,
//   which can amplify it by ~10x. 1e-4 keeps a 10x margin over that and still fails on any wrong tap.
import t, { type Test } from 'tap';

import { engineInfo, runOpSync, type Tensor } from '../../src/native.js';
import { conv2d, conv2dAttrs, conv2dBackwardInput, conv2dBackwardParams, weightStandardize } from '../../src/ops/conv.js';
import { directionalCheck } from '../helpers/gradcheck.js';
import { ORACLE_SKIP, oraclePython, runOracle, type Arr } from '../helpers/oracle.js';
import { expectTensor, mulberry, rand, relL2, toF64 } from '../helpers/tensor.js';
import {
  conv2dBackwardRef,
  conv2dRef,
  convAttrs,
  convOutShape,
  weightStandardizeBackwardRef,
  weightStandardizeRef,
  type ConvAttrs,
} from '../ref/conv.js';

const REF_TOL = 1e-5;
const FD_TOL = 1e-4;

interface ConvCase {
  name: string;
  xs: number[];
  ws: number[];
  attrs: Partial<ConvAttrs>;
  bias: boolean;
}

const pad = (p: number) => ({ pad_t: p, pad_b: p, pad_l: p, pad_r: p });

// Odd map sizes throughout; kernels 1, 3, 5x3, 7, 13, 31; stride 2; dilation 2; asymmetric padding; groups.
const DENSE: ConvCase[] = [
  { name: 'k1 pointwise, 9x9', xs: [2, 9, 9, 8], ws: [6, 8, 1, 1], attrs: {}, bias: true },
  { name: 'k3 pad 1, 13x13, no bias', xs: [2, 13, 13, 5], ws: [7, 5, 3, 3], attrs: pad(1), bias: false },
  {
    name: 'k3 stride 2, asymmetric padding (1,2,0,1), 17x17',
    xs: [2, 17, 17, 4],
    ws: [6, 4, 3, 3],
    attrs: { stride_h: 2, stride_w: 2, pad_t: 1, pad_b: 2, pad_l: 0, pad_r: 1 },
    bias: true,
  },
  { name: 'k7 dilation 2, groups 2, 23x23', xs: [2, 23, 23, 4], ws: [6, 2, 7, 7], attrs: { dil_h: 2, dil_w: 2, groups: 2, ...pad(6) }, bias: true },
  { name: 'k13 groups 4, 17x17, no bias', xs: [2, 17, 17, 8], ws: [8, 2, 13, 13], attrs: { groups: 4, ...pad(6) }, bias: false },
  { name: 'k31 on 33x33', xs: [1, 33, 33, 2], ws: [3, 2, 31, 31], attrs: pad(15), bias: true },
  {
    name: 'rectangular 3x5, stride (2,1), dilation (1,2), padding (1,0,4,3), 9x11',
    xs: [2, 9, 11, 4],
    ws: [5, 4, 3, 5],
    attrs: { stride_h: 2, dil_w: 2, pad_t: 1, pad_b: 0, pad_l: 4, pad_r: 3 },
    bias: true,
  },
  { name: 'k1 stride 2 (strided subsample), no bias', xs: [2, 9, 9, 3], ws: [4, 3, 1, 1], attrs: { stride_h: 2, stride_w: 2 }, bias: false },
  // Runs as a gather of every stride-th pixel and a stride-1 conv (native/cpu/conv.cpp strided_pointwise).
  { name: 'k1 stride (2,3) (gathered), bias, 10x11', xs: [2, 10, 11, 5], ws: [4, 5, 1, 1], attrs: { stride_h: 2, stride_w: 3 }, bias: true },
];

// groups == Cin == Cout: these take our own depthwise kernels (dwconv.h) unless LKR_DWCONV=onednn.
const DEPTHWISE: ConvCase[] = [
  { name: 'depthwise k3, 9x9', xs: [2, 9, 9, 6], ws: [6, 1, 3, 3], attrs: { groups: 6, ...pad(1) }, bias: true },
  {
    name: 'depthwise k7 stride 2, asymmetric padding (3,2,3,3), 13x13, no bias',
    xs: [2, 13, 13, 6],
    ws: [6, 1, 7, 7],
    attrs: { groups: 6, stride_h: 2, stride_w: 2, pad_t: 3, pad_b: 2, pad_l: 3, pad_r: 3 },
    bias: false,
  },
  { name: 'depthwise k13, 23x23', xs: [2, 23, 23, 8], ws: [8, 1, 13, 13], attrs: { groups: 8, ...pad(6) }, bias: true },
  { name: 'depthwise k31, 33x33', xs: [1, 33, 33, 4], ws: [4, 1, 31, 31], attrs: { groups: 4, ...pad(15) }, bias: true },
  { name: 'depthwise k5 dilation 2 (oneDNN only), 13x13', xs: [2, 13, 13, 4], ws: [4, 1, 5, 5], attrs: { groups: 4, dil_h: 2, dil_w: 2, ...pad(4) }, bias: false },
];

interface Inputs {
  x: Tensor;
  w: Tensor;
  b: Tensor | null;
  dy: Tensor;
  a: ConvAttrs;
  ys: number[];
}

function inputs(c: ConvCase, seed: number): Inputs {
  const rng = mulberry(seed);
  const a = convAttrs(c.attrs);
  const ys = convOutShape(c.xs, c.ws, a);
  return { x: rand(c.xs, rng), w: rand(c.ws, rng), b: c.bias ? rand([c.ws[0]], rng) : null, dy: rand(ys, rng), a, ys };
}

interface EngineOut {
  y: Tensor;
  dx: Tensor;
  dw: Tensor;
  db: Tensor | null;
}

function runEngine(c: ConvCase, p: Inputs): EngineOut {
  const y = expectTensor(runOpSync('conv2d', [p.x, p.w, p.b], p.a)[0], p.ys, 'conv2d y');
  const dx = expectTensor(runOpSync('conv2d_backward_input', [p.dy, p.w], { ...p.a, x_shape: c.xs })[0], c.xs, 'dx');
  const [dwT, dbT] = runOpSync('conv2d_backward_params', [p.dy, p.x], { ...p.a, w_shape: c.ws, with_bias: c.bias });
  const dw = expectTensor(dwT, c.ws, 'dw');
  const db = c.bias ? expectTensor(dbT, [c.ws[0]], 'db') : dbT;
  return { y, dx, dw, db };
}

function close(t: Test, what: string, got: ArrayLike<number>, want: ArrayLike<number>, tol = REF_TOL): void {
  const e = relL2(got, want);
  t.ok(e <= tol, `${what}: rel L2 ${e.toExponential(2)} <= ${tol}`);
}

function checkCase(t: Test, c: ConvCase, seed: number): EngineOut {
  const p = inputs(c, seed);
  const out = runEngine(c, p);
  close(t, 'forward vs float64 reference', out.y.data, conv2dRef(p.x.data, c.xs, p.w.data, c.ws, p.b?.data ?? null, p.a));
  const ref = conv2dBackwardRef(p.dy.data, p.x.data, c.xs, p.w.data, c.ws, p.a);
  close(t, 'backward_input vs float64 reference', out.dx.data, ref.dx);
  close(t, 'backward_params dw vs float64 reference', out.dw.data, ref.dw);
  if (c.bias) close(t, 'backward_params db vs float64 reference', (out.db as Tensor).data, ref.db);
  t.equal(out.db === null, !c.bias, 'db is null exactly when no bias was asked for');

  const ins = [toF64(p.x), toF64(p.w), ...(p.b ? [toF64(p.b)] : [])];
  const fwd = (v: Float64Array[]) => conv2dRef(v[0], c.xs, v[1], c.ws, v[2] ?? null, p.a);
  const analytic = [out.dx.data, out.dw.data, ...(out.db ? [out.db.data] : [])];
  const fd = directionalCheck(fwd, ins, analytic, toF64(p.dy), { seed });
  ['dx', 'dw', 'db'].slice(0, ins.length).forEach((n, i) => {
    t.ok(fd.errors[i] <= FD_TOL, `${n} vs finite differences: rel ${fd.errors[i].toExponential(2)} <= ${FD_TOL}`);
  });
  return out;
}

for (const [i, c] of DENSE.entries()) {
  t.test(`conv2d ${c.name}`, async (t) => {
    checkCase(t, c, 100 + i);
  });
}

// The route is chosen per call from the environment (conv.cpp reads LKR_DWCONV with getenv on every call),
// and assigning process.env in Node's main thread sets the real process environment. runOpSync runs on this
// thread, so no engine call is in flight while the variable changes: flipping it in-process between two
// synchronous calls exercises both routes without spawning a child process.
t.test('depthwise: our kernels and the LKR_DWCONV=onednn route both match the reference and each other', async (t) => {
  const saved = process.env.LKR_DWCONV;
  t.comment(`depthwise kernel ISA: ${engineInfo().cpu.dwconv_isa}`);
  try {
    for (const [i, c] of DEPTHWISE.entries()) {
      await t.test(c.name, async (t) => {
        delete process.env.LKR_DWCONV;
        const ours = checkCase(t, c, 200 + i);
        process.env.LKR_DWCONV = 'onednn';
        const dnnl = checkCase(t, c, 200 + i);
        close(t, 'ours vs oneDNN: y', ours.y.data, dnnl.y.data);
        close(t, 'ours vs oneDNN: dx', ours.dx.data, dnnl.dx.data);
        close(t, 'ours vs oneDNN: dw', ours.dw.data, dnnl.dw.data);
      });
    }
  } finally {
    if (saved === undefined) delete process.env.LKR_DWCONV;
    else process.env.LKR_DWCONV = saved;
  }
});

t.test('weight_standardize forward and backward', async (t) => {
  const shapes: [number[], number][] = [
    [[6, 4, 3, 3], 1e-5],
    [[16, 8, 1, 1], 1e-8],
    [[5, 7], 1e-6],
    [[3, 1, 13, 13], 1e-8],
  ];
  for (const [i, [ws, eps]] of shapes.entries()) {
    const rng = mulberry(300 + i);
    const w = rand(ws, rng, -0.5, 1.5); // non-zero mean, so the mean subtraction matters
    const g = rand(ws, rng);
    const y = expectTensor(runOpSync('weight_standardize', [w], { eps })[0], ws, 'w std');
    close(t, `[${ws}] eps ${eps}: forward`, y.data, weightStandardizeRef(w.data, ws, eps));
    const dw = expectTensor(runOpSync('weight_standardize_backward', [g, w], { eps })[0], ws, 'dw');
    close(t, `[${ws}]: backward vs float64 reference`, dw.data, weightStandardizeBackwardRef(g.data, w.data, ws, eps));
    const fd = directionalCheck((v) => weightStandardizeRef(v[0], ws, eps), [toF64(w)], [dw.data], toF64(g), { seed: i });
    t.ok(fd.errors[0] <= FD_TOL, `[${ws}]: backward vs finite differences: rel ${fd.errors[0].toExponential(2)}`);
  }
});

t.test('typed wrappers (src/ops/conv.ts) match runOp and validate options', async (t) => {
  const c = DENSE[2];
  const p = inputs(c, 7);
  const opts = { stride: 2, padding: [1, 2, 0, 1] as [number, number, number, number] };
  t.same(conv2dAttrs(opts), p.a, 'options normalise to the engine attributes');
  t.same(conv2dAttrs({ padding: [2, 3], dilation: [1, 2] }), convAttrs({ pad_t: 2, pad_b: 2, pad_l: 3, pad_r: 3, dil_w: 2 }));
  const out = runEngine(c, p);
  const y = await conv2d(p.x, p.w, p.b, opts);
  t.same(y.shape, p.ys);
  t.ok(relL2(y.data, out.y.data) === 0, 'conv2d wrapper equals runOpSync');
  const dx = await conv2dBackwardInput(p.dy, p.w, c.xs, opts);
  t.ok(relL2(dx.data, out.dx.data) === 0, 'conv2dBackwardInput wrapper equals runOpSync');
  const g = await conv2dBackwardParams(p.dy, p.x, c.ws, true, opts);
  t.ok(relL2(g.dw.data, out.dw.data) === 0 && g.db !== null, 'conv2dBackwardParams wrapper equals runOpSync');
  const ws = await weightStandardize(p.w, 1e-5);
  t.same(ws.shape, c.ws);

  await t.rejects(conv2d(p.x, p.w, null, { stride: 0 }), /conv2d: expected `stride` an integer >= 1, received 0/);
  await t.rejects(conv2d(p.x, p.w, null, { padding: [1, 2, 3] as never }), /expected `padding` a number, \[h, w\] or \[top, bottom, left, right\], received \[1, 2, 3\]/);
  await t.rejects(conv2d(p.x, p.w, null, { strides: 2 } as never), /unknown option `strides`/);
  await t.rejects(conv2d(p.x, { shape: [6, 4, 3], data: new Float32Array(72) }, null), /expected `w` of rank 4, received shape \[6,4,3\]/);
  // Shape mismatches are the engine's to report, with expected and received.
  await t.rejects(conv2d(p.x, rand([6, 3, 3, 3], mulberry(1)), null), /conv2d: expected w.shape\[1\] = Cin\/groups = 4/);
  await t.rejects(conv2d(p.x, p.w, null, { groups: 3 }), /divisible by groups=3/);
});

t.test('PyTorch parity (float64 oracle: F.conv2d on NCHW permutes, autograd; timm StdConv2d form)', { skip: oraclePython() ? false : ORACLE_SKIP }, async (t) => {
  const script = new URL('../oracle/conv_matmul.py', import.meta.url).pathname;
  const all = [...DENSE, ...DEPTHWISE];
  const cases: object[] = [];
  const arrays: Record<string, Arr> = {};
  const engine: Record<string, EngineOut> = {};
  for (const [i, c] of all.entries()) {
    const name = `c${i}`;
    const p = inputs(c, 400 + i);
    engine[name] = runEngine(c, p);
    cases.push({ op: 'conv2d', name, bias: c.bias, ...p.a });
    arrays[`${name}_x`] = p.x;
    arrays[`${name}_w`] = p.w;
    if (p.b) arrays[`${name}_b`] = p.b;
    arrays[`${name}_dy`] = p.dy;
  }
  const wsRng = mulberry(500);
  const wstd = rand([8, 4, 3, 3], wsRng, -0.5, 1.5);
  const wstdG = rand([8, 4, 3, 3], wsRng);
  cases.push({ op: 'weight_standardize', name: 'ws', eps: 1e-6 });
  arrays.ws_w = wstd;
  arrays.ws_dy = wstdG;

  const out = await runOracle(script, cases, arrays);
  for (const [i, c] of all.entries()) {
    const name = `c${i}`;
    const e = engine[name];
    close(t, `${c.name}: y vs torch`, e.y.data, out[`${name}_y`].data);
    close(t, `${c.name}: dx vs torch`, e.dx.data, out[`${name}_dx`].data);
    close(t, `${c.name}: dw vs torch`, e.dw.data, out[`${name}_dw`].data);
    if (c.bias) close(t, `${c.name}: db vs torch`, (e.db as Tensor).data, out[`${name}_db`].data);
  }
  const y = expectTensor(runOpSync('weight_standardize', [wstd], { eps: 1e-6 })[0], wstd.shape, 'ws');
  const dw = expectTensor(runOpSync('weight_standardize_backward', [wstdG, wstd], { eps: 1e-6 })[0], wstd.shape, 'ws dw');
  close(t, 'weight_standardize vs timm StdConv2d (batch_norm form)', y.data, out.ws_y.data);
  close(t, 'weight_standardize backward vs torch autograd', dw.data, out.ws_dw.data);
});
