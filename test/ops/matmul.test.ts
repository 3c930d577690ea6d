// linear and matmul (forward and backwards) on the CPU backend, against float64 naive references
// (test/ref/matmul.ts), central finite differences of those references, and PyTorch.
//
// Tolerances, as in conv.test.ts: relative L2 <= 1e-5 against the float64 references (float32 sums of
// K <= 96 products drift by ~1e-7 relative; a wrong index or transpose gives errors of order 1), and 1e-4 on
// directional derivatives against central differences (h = 1e-6 in float64 is accurate to ~1e-9; the rest is
// float32 rounding in the analytic gradient, amplified at most ~10x by cancellation in <grad, v>).
import t, { type Test } from 'tap';

import { runOpSync, type Tensor } from '../../src/native.js';
import { linear, linearBackwardInput, linearBackwardParams, matmul, matmulBackward } from '../../src/ops/matmul.js';
import { directionalCheck } from '../helpers/gradcheck.js';
import { ORACLE_SKIP, oraclePython, runOracle, type Arr } from '../helpers/oracle.js';
import { expectTensor, mulberry, rand, relL2, toF64 } from '../helpers/tensor.js';
import { linearBackwardRef, linearRef, matmulBackwardRef, matmulOutShape, matmulRef } from '../ref/matmul.js';

const REF_TOL = 1e-5;
const FD_TOL = 1e-4;

function close(t: Test, what: string, got: ArrayLike<number>, want: ArrayLike<number>, tol = REF_TOL): void {
  const e = relL2(got, want);
  t.ok(e <= tol, `${what}: rel L2 ${e.toExponential(2)} <= ${tol}`);
}

// ----------------------------------------------------------------------------------------------- matmul
interface MatmulCase {
  name: string;
  batch: number[];
  m: number;
  k: number;
  n: number;
}

const MATMUL: MatmulCase[] = [
  { name: '2-D 7x5 @ 5x3', batch: [], m: 7, k: 5, n: 3 },
  { name: 'batched (2,3) 9x17 @ 17x13', batch: [2, 3], m: 9, k: 17, n: 13 },
  { name: 'batched (4) 1x33 @ 33x5 (a row vector)', batch: [4], m: 1, k: 33, n: 5 },
  { name: 'batched (3) 64x48 @ 48x40', batch: [3], m: 64, k: 48, n: 40 },
];
const TRANS: [boolean, boolean][] = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];

interface MatmulInputs {
  a: Tensor;
  b: Tensor;
  dy: Tensor;
  ta: boolean;
  tb: boolean;
  ys: number[];
}

function matmulInputs(c: MatmulCase, ta: boolean, tb: boolean, seed: number): MatmulInputs {
  const rng = mulberry(seed);
  const as = [...c.batch, ...(ta ? [c.k, c.m] : [c.m, c.k])];
  const bs = [...c.batch, ...(tb ? [c.n, c.k] : [c.k, c.n])];
  const ys = matmulOutShape(as, bs, ta, tb);
  return { a: rand(as, rng), b: rand(bs, rng), dy: rand(ys, rng), ta, tb, ys };
}

function runMatmul(p: MatmulInputs): { y: Tensor; da: Tensor; db: Tensor } {
  const attrs = { trans_a: p.ta, trans_b: p.tb };
  const y = expectTensor(runOpSync('matmul', [p.a, p.b], attrs)[0], p.ys, 'matmul y');
  const [da, db] = runOpSync('matmul_backward', [p.dy, p.a, p.b], attrs);
  return { y, da: expectTensor(da, p.a.shape, 'da'), db: expectTensor(db, p.b.shape, 'db') };
}

for (const [i, c] of MATMUL.entries()) {
  t.test(`matmul ${c.name}, all four transpose combinations`, async (t) => {
    for (const [j, [ta, tb]] of TRANS.entries()) {
      const tag = `trans_a=${ta} trans_b=${tb}`;
      const p = matmulInputs(c, ta, tb, 100 + 4 * i + j);
      const out = runMatmul(p);
      const fwd = (v: ArrayLike<number>[]) => matmulRef(v[0], p.a.shape, v[1], p.b.shape, ta, tb);
      close(t, `${tag}: forward vs float64 reference`, out.y.data, fwd([p.a.data, p.b.data]));
      const ref = matmulBackwardRef(p.dy.data, p.a.data, p.a.shape, p.b.data, p.b.shape, ta, tb);
      close(t, `${tag}: da vs float64 reference`, out.da.data, ref.da);
      close(t, `${tag}: db vs float64 reference`, out.db.data, ref.db);
      const fd = directionalCheck(fwd, [toF64(p.a), toF64(p.b)], [out.da.data, out.db.data], toF64(p.dy), { seed: j });
      t.ok(fd.errors[0] <= FD_TOL, `${tag}: da vs finite differences: rel ${fd.errors[0].toExponential(2)}`);
      t.ok(fd.errors[1] <= FD_TOL, `${tag}: db vs finite differences: rel ${fd.errors[1].toExponential(2)}`);
    }
  });
}

// ----------------------------------------------------------------------------------------------- linear
interface LinearCase {
  name: string;
  xs: number[];
  out: number;
  bias: boolean;
}

const LINEAR: LinearCase[] = [
  { name: 'x (2,3,5) -> 4, bias', xs: [2, 3, 5], out: 4, bias: true },
  { name: 'x (37,19) -> 23, no bias', xs: [37, 19], out: 23, bias: false },
  { name: 'x rank 1 (19) -> 7, bias', xs: [19], out: 7, bias: true },
  { name: 'x (3,5,7,64) -> 96, bias (ViT-like tokens)', xs: [3, 5, 7, 64], out: 96, bias: true },
];

interface LinearInputs {
  x: Tensor;
  w: Tensor;
  b: Tensor | null;
  dy: Tensor;
  ys: number[];
}

function linearInputs(c: LinearCase, seed: number): LinearInputs {
  const rng = mulberry(seed);
  const inF = c.xs[c.xs.length - 1];
  const ys = [...c.xs.slice(0, -1), c.out];
  return { x: rand(c.xs, rng), w: rand([c.out, inF], rng), b: c.bias ? rand([c.out], rng) : null, dy: rand(ys, rng), ys };
}

function runLinear(c: LinearCase, p: LinearInputs): { y: Tensor; dx: Tensor; dw: Tensor; db: Tensor | null } {
  const y = expectTensor(runOpSync('linear', [p.x, p.w, p.b])[0], p.ys, 'linear y');
  const dx = expectTensor(runOpSync('linear_backward_input', [p.dy, p.w])[0], c.xs, 'dx');
  const [dw, db] = runOpSync('linear_backward_params', [p.dy, p.x], { with_bias: c.bias });
  return { y, dx, dw: expectTensor(dw, p.w.shape, 'dw'), db: c.bias ? expectTensor(db, [c.out], 'db') : db };
}

for (const [i, c] of LINEAR.entries()) {
  t.test(`linear ${c.name}`, async (t) => {
    const p = linearInputs(c, 200 + i);
    const inF = c.xs[c.xs.length - 1];
    const out = runLinear(c, p);
    const fwd = (v: ArrayLike<number>[]) => linearRef(v[0], inF, v[1], c.out, v[2] ?? null);
    close(t, 'forward vs float64 reference', out.y.data, fwd([p.x.data, p.w.data, ...(p.b ? [p.b.data] : [])]));
    const ref = linearBackwardRef(p.dy.data, p.x.data, inF, p.w.data, c.out);
    close(t, 'backward_input vs float64 reference', out.dx.data, ref.dx);
    close(t, 'backward_params dw vs float64 reference', out.dw.data, ref.dw);
    if (c.bias) close(t, 'backward_params db vs float64 reference', (out.db as Tensor).data, ref.db);
    t.equal(out.db === null, !c.bias, 'db is null exactly when no bias was asked for');
    const ins = [toF64(p.x), toF64(p.w), ...(p.b ? [toF64(p.b)] : [])];
    const analytic = [out.dx.data, out.dw.data, ...(out.db ? [out.db.data] : [])];
    const fd = directionalCheck(fwd, ins, analytic, toF64(p.dy), { seed: i });
    ['dx', 'dw', 'db'].slice(0, ins.length).forEach((n, k) => {
      t.ok(fd.errors[k] <= FD_TOL, `${n} vs finite differences: rel ${fd.errors[k].toExponential(2)}`);
    });
  });
}

t.test('typed wrappers (src/ops/matmul.ts) match runOp and validate arguments', async (t) => {
  const p = matmulInputs(MATMUL[1], true, false, 9);
  const out = runMatmul(p);
  const y = await matmul(p.a, p.b, { transA: true });
  t.ok(relL2(y.data, out.y.data) === 0, 'matmul wrapper equals runOpSync');
  const g = await matmulBackward(p.dy, p.a, p.b, { transA: true });
  t.ok(relL2(g.da.data, out.da.data) === 0 && relL2(g.db.data, out.db.data) === 0, 'matmulBackward wrapper equals runOpSync');
  const lc = LINEAR[0];
  const lp = linearInputs(lc, 11);
  const lo = runLinear(lc, lp);
  t.ok(relL2((await linear(lp.x, lp.w, lp.b)).data, lo.y.data) === 0, 'linear wrapper equals runOpSync');
  t.ok(relL2((await linearBackwardInput(lp.dy, lp.w)).data, lo.dx.data) === 0, 'linearBackwardInput wrapper');
  const lg = await linearBackwardParams(lp.dy, lp.x, true);
  t.ok(relL2(lg.dw.data, lo.dw.data) === 0 && lg.db !== null, 'linearBackwardParams wrapper');

  await t.rejects(matmul(p.a, p.b, { transA: 1 } as never), /matmul: expected `transA` a boolean, received 1/);
  await t.rejects(matmul(p.a, p.b, { transpose: true } as never), /unknown option `transpose`/);
  await t.rejects(matmul(p.a, p.b), /matmul: inner dims differ: 9 vs 17/);
  await t.rejects(linear(lp.x, { shape: [4], data: new Float32Array(4) }), /linear: expected `w` of rank >= 2, received shape \[4\]/);
  await t.rejects(linear(lp.x, rand([4, 6], mulberry(2))), /linear: expected w of shape \(out, 5\)/);
});

t.test('PyTorch parity (float64 oracle: F.linear, torch.matmul with transposes, autograd)', { skip: oraclePython() ? false : ORACLE_SKIP }, async (t) => {
  const script = new URL('../oracle/conv_matmul.py', import.meta.url).pathname;
  const cases: object[] = [];
  const arrays: Record<string, Arr> = {};
  const checks: (() => void)[] = [];
  let out: Record<string, Arr> = {};
  for (const [i, c] of MATMUL.entries()) {
    for (const [j, [ta, tb]] of TRANS.entries()) {
      const name = `m${i}_${j}`;
      const p = matmulInputs(c, ta, tb, 300 + 4 * i + j);
      const e = runMatmul(p);
      cases.push({ op: 'matmul', name, trans_a: ta, trans_b: tb });
      Object.assign(arrays, { [`${name}_a`]: p.a, [`${name}_b`]: p.b, [`${name}_dy`]: p.dy });
      const tag = `matmul ${c.name} trans_a=${ta} trans_b=${tb}`;
      checks.push(() => {
        close(t, `${tag}: y vs torch`, e.y.data, out[`${name}_y`].data);
        close(t, `${tag}: da vs torch`, e.da.data, out[`${name}_da`].data);
        close(t, `${tag}: db vs torch`, e.db.data, out[`${name}_db`].data);
      });
    }
  }
  for (const [i, c] of LINEAR.entries()) {
    const name = `l${i}`;
    const p = linearInputs(c, 400 + i);
    const e = runLinear(c, p);
    cases.push({ op: 'linear', name, bias: c.bias });
    Object.assign(arrays, { [`${name}_x`]: p.x, [`${name}_w`]: p.w, [`${name}_dy`]: p.dy }, p.b ? { [`${name}_b`]: p.b } : {});
    checks.push(() => {
      close(t, `linear ${c.name}: y vs torch`, e.y.data, out[`${name}_y`].data);
      close(t, `linear ${c.name}: dx vs torch`, e.dx.data, out[`${name}_dx`].data);
      close(t, `linear ${c.name}: dw vs torch`, e.dw.data, out[`${name}_dw`].data);
      if (c.bias) close(t, `linear ${c.name}: db vs torch`, (e.db as Tensor).data, out[`${name}_db`].data);
    });
  }
  out = await runOracle(script, cases, arrays);
  for (const check of checks) check();
});
