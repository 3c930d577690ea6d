// The attacks against closed forms on hand-written JS models (linear, tanh MLP), and on a small engine model.
import t from 'tap';

import type { Tensor } from '../../src/native.js';
import {
  type AttackModel,
  type AttackPlan,
  crossEntropy,
  fgsm,
  integratedGradients,
  LinearModel,
  pgd,
  pgdIterates,
  quantizedPng,
  reachNote,
  summarizeAttack,
  taig,
  taigIterates,
  TanhMlp,
} from '../../src/robustness/attacks/index.js';
import { mulberry, rand } from '../helpers/tensor.js';

const H = 4;
const W = 4;
const C = 3;
const D = H * W * C;

/** Images with some pixels at 0 and 1 exactly, so clipping is exercised. */
function images(n: number, seed: number): Tensor {
  const x = rand([n, H, W, C], mulberry(seed), 0, 1);
  for (let i = 0; i < x.data.length; i += 7) x.data[i] = i % 2 ? 1 : 0;
  return x;
}

function checkBall(t: Tap.Test, adv: Tensor, x: Tensor, eps: number[], what: string) {
  let worst = 0;
  let outside = 0;
  for (let i = 0; i < x.data.length; i++) {
    const d = Math.abs(adv.data[i] - x.data[i]) - eps[i % C];
    worst = Math.max(worst, d);
    if (adv.data[i] < 0 || adv.data[i] > 1) outside++;
  }
  t.ok(worst <= 1e-6, `${what}: inside the ε-ball (max excess ${worst.toExponential(2)})`);
  t.equal(outside, 0, `${what}: inside [0,1]`);
}

/** CE gradient of the linear model in float64, written out independently of the model class. */
function linearCeGrad(m: LinearModel, x: Tensor, labels: number[]): Float64Array {
  const n = x.shape[0];
  const g = new Float64Array(x.data.length);
  for (let b = 0; b < n; b++) {
    const z = Array.from({ length: m.classes }, (_, k) => {
      let s = m.b[k];
      for (let j = 0; j < D; j++) s += m.w[k * D + j] * x.data[b * D + j];
      return s;
    });
    const mx = Math.max(...z);
    const e = z.map((v) => Math.exp(v - mx));
    const sum = e.reduce((a, v) => a + v, 0);
    for (let k = 0; k < m.classes; k++) {
      const p = e[k] / sum - (k === labels[b] ? 1 : 0);
      for (let j = 0; j < D; j++) g[b * D + j] += p * m.w[k * D + j];
    }
  }
  return g;
}

t.test('FGSM on a linear model equals x + ε·sign(∇CE) clipped to [0,1]', async (t) => {
  const m = LinearModel.random(5, D, 1);
  const x = images(3, 2);
  const labels = [0, 3, 4];
  const g = linearCeGrad(m, x, labels);
  for (const eps of [0.01, 0.3]) {
    const { x: adv } = await fgsm(m, x, labels, { eps });
    let mismatch = 0;
    for (let i = 0; i < x.data.length; i++) {
      const want = Math.min(1, Math.max(0, x.data[i] + eps * Math.sign(g[i])));
      if (Math.abs(adv.data[i] - want) > 1e-6) mismatch++;
    }
    t.equal(mismatch, 0, `ε = ${eps}: every pixel matches the closed form`);
    checkBall(t, adv, x, [eps, eps, eps], `FGSM ε=${eps}`);
  }
});

t.test('PGD with one step, α = ε and no random start is FGSM', async (t) => {
  const mlp = TanhMlp.random(6, D, 16, 3);
  const x = images(4, 5);
  const labels = [1, 2, 3, 5];
  for (const eps of [0.004, 0.05, [0.01, 0.02, 0.03]]) {
    const a = await pgd(mlp, x, labels, { eps, alpha: eps, steps: 1, randomStart: false });
    const b = (await fgsm(mlp, x, labels, { eps })).x;
    t.same(Array.from(a.data), Array.from(b.data), `ε = ${JSON.stringify(eps)}`);
  }
});

t.test('every adversarial image is inside its ε-ball and [0,1]: FGSM, PGD, TAIG-S, TAIG-R, per-channel ε', async (t) => {
  const mlp = TanhMlp.random(4, D, 12, 7);
  const x = images(3, 9);
  const labels = [0, 1, 3];
  for (const eps of [0.03, [0.01, 0.05, 0.002]]) {
    const e3 = typeof eps === 'number' ? [eps, eps, eps] : eps;
    checkBall(t, (await fgsm(mlp, x, labels, { eps })).x, x, e3, `FGSM ${JSON.stringify(eps)}`);
    checkBall(t, await pgd(mlp, x, labels, { eps, steps: 7, seed: 3 }), x, e3, `PGD ${JSON.stringify(eps)}`);
    checkBall(t, await pgd(mlp, x, labels, { eps, alpha: 0.1, steps: 3, seed: 3 }), x, e3, `PGD large α ${JSON.stringify(eps)}`);
    checkBall(t, await taig(mlp, x, labels, { eps, path: 'straight', iterations: 5, alpha: 0.02 }), x, e3, `TAIG-S ${JSON.stringify(eps)}`);
    checkBall(t, await taig(mlp, x, labels, { eps, path: 'random', iterations: 5, alpha: 0.02 }), x, e3, `TAIG-R ${JSON.stringify(eps)}`);
  }
});

t.test('PGD raises the loss over its steps (tanh MLP)', async (t) => {
  const mlp = TanhMlp.random(5, D, 16, 11);
  const x = images(6, 12);
  const labels = [0, 1, 2, 3, 4, 0];
  const steps = [1, 2, 3, 4, 5, 6, 8, 10];
  const losses: number[] = [];
  const x0 = (await mlp.forward(x)).logits;
  const start = crossEntropy(x0, labels).reduce((a, b) => a + b, 0);
  for await (const c of pgdIterates(mlp, x, labels, { eps: 0.05, checkpoints: steps, randomStart: false })) {
    losses.push(crossEntropy((await mlp.forward(c.x)).logits, labels).reduce((a, b) => a + b, 0));
  }
  t.equal(losses.length, steps.length);
  t.ok(losses[0] > start, `one step raises the loss (${start.toFixed(3)} → ${losses[0].toFixed(3)})`);
  for (let i = 1; i < losses.length; i++) t.ok(losses[i] >= losses[i - 1] - 1e-6, `step ${steps[i]}: ${losses[i].toFixed(4)} ≥ ${losses[i - 1].toFixed(4)}`);
});

t.test('PGD checkpoints equal separate runs; logits reported at a checkpoint are the model\'s there', async (t) => {
  const mlp = TanhMlp.random(4, D, 8, 21);
  const x = images(2, 22);
  const labels = [2, 3];
  const got = new Map<number, { x: Tensor; logits?: Tensor }>();
  for await (const c of pgdIterates(mlp, x, labels, { eps: 0.03, checkpoints: [5, 1, 3], seed: 9 })) got.set(c.steps, c);
  t.same([...got.keys()], [1, 3, 5]);
  for (const s of [1, 3, 5]) {
    const alone = await pgd(mlp, x, labels, { eps: 0.03, steps: s, seed: 9 });
    t.same(Array.from(got.get(s)!.x.data), Array.from(alone.data), `${s} steps`);
    const lg = got.get(s)!.logits;
    if (lg) t.same(Array.from(lg.data), Array.from((await mlp.forward(alone)).logits.data), `logits at ${s} steps`);
  }
});

t.test('random start and path noise depend on (seed, image id) only, not on batching', async (t) => {
  const mlp = TanhMlp.random(4, D, 8, 31);
  const x = images(2, 32);
  const labels = [0, 1];
  const one = (b: number): Tensor => ({ shape: [1, H, W, C], data: x.data.slice(b * D, (b + 1) * D) });
  const both = await pgd(mlp, x, labels, { eps: 0.02, steps: 2, seed: 4, ids: [17, 40] });
  const a = await pgd(mlp, one(0), [0], { eps: 0.02, steps: 2, seed: 4, ids: [17] });
  const b = await pgd(mlp, one(1), [1], { eps: 0.02, steps: 2, seed: 4, ids: [40] });
  t.same(Array.from(both.data), [...a.data, ...b.data], 'PGD');
  const r2 = await taig(mlp, x, labels, { eps: 0.02, path: 'random', iterations: 2, seed: 4, ids: [17, 40], pointsPerCall: 5 });
  const ra = await taig(mlp, one(0), [0], { eps: 0.02, path: 'random', iterations: 2, seed: 4, ids: [17] });
  const rb = await taig(mlp, one(1), [1], { eps: 0.02, path: 'random', iterations: 2, seed: 4, ids: [40] });
  t.same(Array.from(r2.data), [...ra.data, ...rb.data], 'TAIG-R (also chunked 5 points per call vs one call)');
  const other = await pgd(mlp, x, labels, { eps: 0.02, steps: 2, seed: 5, ids: [17, 40] });
  t.not(Array.from(other.data).join(), Array.from(both.data).join(), 'another seed, another start');
});

t.test('TAIG: all path points of a batch in one engine call with one-hot dlogits', async (t) => {
  const lin = LinearModel.random(5, D, 41);
  const calls: { n: number; kind: string }[] = [];
  const spy: AttackModel = {
    forward: (x) => lin.forward(x),
    inputGradient: (x, target) => {
      calls.push({ n: x.shape[0], kind: 'labels' in target ? 'labels' : 'dlogits' });
      if ('dlogits' in target) {
        const d = target.dlogits;
        for (let i = 0; i < d.shape[0]; i++) t.equal(d.data.subarray(i * 5, (i + 1) * 5).reduce((a, b) => a + b, 0), 1);
      }
      return lin.inputGradient(x, target);
    },
  };
  const x = images(3, 42);
  await taig(spy, x, [0, 1, 2], { eps: 0.03, path: 'straight', iterations: 2 });
  t.same(calls, [{ n: 63, kind: 'dlogits' }, { n: 63, kind: 'dlogits' }], '3 images × 21 points, one call per iteration');
});

t.test('TAIG-S on a linear model: one iteration is x − α·sign(x ⊙ w_y)', async (t) => {
  const lin = LinearModel.random(4, D, 51);
  const x = images(2, 52);
  const labels = [1, 3];
  const alpha = 1 / 255;
  const adv = await taig(lin, x, labels, { eps: 0.1, path: 'straight', iterations: 1 });
  let mismatch = 0;
  for (let b = 0; b < 2; b++) {
    for (let j = 0; j < D; j++) {
      const i = b * D + j;
      const ig = x.data[i] * lin.w[labels[b] * D + j];
      const want = Math.min(1, Math.max(0, x.data[i] - alpha * Math.sign(ig)));
      if (Math.abs(adv.data[i] - want) > 1e-7) mismatch++;
    }
  }
  t.equal(mismatch, 0);
});

t.test('integrated gradients are complete: Σ attributions ≈ f_y(x) − f_y(black) (smooth MLP, many points)', async (t) => {
  const mlp = TanhMlp.random(5, D, 24, 61);
  const x = images(3, 62);
  const labels = [0, 2, 4];
  const { attributions, pathLogits } = await integratedGradients(mlp, x, labels, { points: 2000, pointsPerCall: 1000 });
  const fx = mlp.logits64(x);
  const f0 = mlp.logits64({ shape: x.shape, data: new Float32Array(x.data.length) });
  for (let b = 0; b < 3; b++) {
    let s = 0;
    for (let j = 0; j < D; j++) s += attributions.data[b * D + j];
    const want = fx[b][labels[b]] - f0[b][labels[b]];
    t.ok(Math.abs(s - want) <= 1e-2, `image ${b}: Σ IG ${s.toFixed(5)} vs Δf ${want.toFixed(5)}`);
    t.ok(Math.abs(pathLogits[b * 2001 + 2000] - fx[b][labels[b]]) < 1e-4, 'the last path point is the input');
  }
  // The released 21 points are a coarse approximation of the same integral.
  const coarse = await integratedGradients(mlp, x, labels, { points: 20 });
  t.equal(coarse.attributions.data.length, x.data.length);
});

t.test('TAIG descends the true-class logit', async (t) => {
  const mlp = TanhMlp.random(5, D, 24, 71);
  const x = images(4, 72);
  const labels = [0, 1, 2, 3];
  const before = mlp.logits64(x);
  const adv = await taig(mlp, x, labels, { eps: 0.05, path: 'straight', iterations: 10, alpha: 0.01 });
  const after = mlp.logits64(adv);
  let down = 0;
  for (let b = 0; b < 4; b++) if (after[b][labels[b]] < before[b][labels[b]]) down++;
  t.ok(down >= 3, `true-class logit fell on ${down}/4 images`);
});

t.test('rows: counts, success rates (over all and over clean-correct), reach notes', async (t) => {
  const plan: AttackPlan = { attack: 'taig-s', eps: [0.03, 0.1], epsPixel: [[0.03, 0.03, 0.03], [0.1, 0.1, 0.1]], alphaPixel: null, steps: [20], randomStart: false, seed: 0, points: 20, pointsPerCall: 0 };
  // y, clean pred, adv pred per row (ε 0.03, ε 0.1)
  const recs = [
    { u: 0, y: 1, c: [1], a: [[1], [2]] },
    { u: 1, y: 2, c: [2], a: [[0], [0]] },
    { u: 2, y: 3, c: [0], a: [[3], [0]] }, // wrong when clean, right after the first attack
    { u: 3, y: 4, c: [4], a: [[4], [4]] },
  ];
  const rows = summarizeAttack(recs, plan, null);
  t.same(rows.map((r) => [r.eps, r.steps, r.n, r.clean_correct, r.adv_correct]), [[0.03, 20, 4, 3, 3], [0.1, 20, 4, 3, 1]]);
  t.equal(rows[0].success_rate, 0.25);
  t.equal(rows[0].success_rate_conditional, 1 / 3);
  t.equal(rows[1].accuracy, 0.25);
  t.equal(rows[1].success_rate_conditional, 2 / 3);
  t.notOk(rows[0].note, '0.03 < 20/255: no note');
  t.match(rows[1].note, /ε exceeds steps × α = 0\.07843/);
  t.equal(reachNote({ ...plan, attack: 'pgd', randomStart: true }, 1, 1), null, 'PGD with a random start covers the ball');
  const multi = summarizeAttack(recs.map((r) => ({ ...r, c: [r.c[0], r.y], a: r.a.map((p) => [p[0], r.y]) })), plan, ['a', 'b']);
  t.same(multi.map((r) => [r.model, r.adv_correct]), [['a', 3], ['a', 1], ['b', 4], ['b', 4]]);
});

t.test('transfer images are rounded to uint8 inside the ε-ball', async (t) => {
  const sharp = (await import('sharp')).default;
  const size = 5;
  const r = mulberry(81);
  const x0 = Float32Array.from({ length: size * size * 3 }, () => Math.round(255 * r()) / 255);
  const eps = 4 / 255 + 0.001;
  const adv = x0.map((v) => Math.min(1, Math.max(0, v + (2 * r() - 1) * eps)));
  adv[0] = x0[0] + eps; // at the surface: rounding must not leave the ball
  const png = await quantizedPng(adv, x0, [eps, eps, eps], size);
  const { data } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  let worst = 0;
  for (let i = 0; i < data.length; i++) worst = Math.max(worst, Math.abs(data[i] / 255 - x0[i]) - eps);
  t.ok(worst <= 1e-7, `max excess ${worst}`);
});

t.test('an engine model: PGD raises the CE and stays in the ball (demo ConvNeXt, 32 px)', async (t) => {
  let Model: typeof import('../../src/models/model.js').Model;
  let randomParams: typeof import('../../src/bench/model.js').randomParams;
  try {
    ({ Model } = await import('../../src/models/model.js'));
    ({ randomParams } = await import('../../src/bench/model.js'));
    new Model('lkr_demo_convnext');
  } catch (e) {
    t.skip(`engine unavailable: ${(e as Error).message}`);
    return;
  }
  const m = new Model('lkr_demo_convnext');
  m.setParams(randomParams(m, 5));
  const x = rand([2, 32, 32, 3], mulberry(91), 0, 1);
  const labels = [7, 500];
  const ce = async (z: Tensor) => crossEntropy((await m.forward(z)).logits, labels).reduce((a, b) => a + b, 0);
  const start = await ce(x);
  const losses: number[] = [];
  for await (const c of pgdIterates(m, x, labels, { eps: 0.01, checkpoints: [1, 3, 5], randomStart: false })) {
    checkBall(t, c.x, x, [0.01, 0.01, 0.01], `PGD-${c.steps}`);
    losses.push(await ce(c.x));
  }
  t.ok(losses[0] > start && losses[2] > losses[0], `CE ${start.toFixed(3)} → ${losses.map((v) => v.toFixed(3)).join(' → ')}`);
  const ig = await integratedGradients(m, x, labels, { points: 200 });
  const fx = (await m.forward(x)).logits;
  const f0 = (await m.forward({ shape: x.shape, data: new Float32Array(x.data.length) })).logits;
  for (let b = 0; b < 2; b++) {
    let s = 0;
    for (let j = 0; j < 32 * 32 * 3; j++) s += ig.attributions.data[b * 32 * 32 * 3 + j];
    const want = fx.data[b * 1000 + labels[b]] - f0.data[b * 1000 + labels[b]];
    t.ok(Math.abs(s - want) <= 1e-2 * Math.max(1, Math.abs(want)), `engine IG completeness, image ${b}: ${s.toFixed(4)} vs ${want.toFixed(4)}`);
  }
});
