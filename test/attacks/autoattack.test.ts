// AutoAttack's parts against closed forms, on hand-written JS models (no engine): the DLR losses' gradients
// against finite differences, FAB's hyperplane projection against its closed form, APGD / FAB-T / Square inside
// the ε-ball and [0,1], independent of batching, APGD's torch-stream starts as the reference draws them, and against
// the exact robustness of a linear classifier (an image is breakable iff for some class j the minimum of the margin
// z_y − z_j over the ε-ball ∩ [0,1] is < 0).
import t from 'tap';

import type { Tensor } from '../../src/native.js';
import { apgd, apgdTargeted, type AttackResult } from '../../src/robustness/attacks/apgd.js';
import { AA_ATTACKS, autoAttackConfig, runAaAttack } from '../../src/robustness/attacks/autoattack.js';
import { checkClasses, checkRandomized, checkRangeOutput, checkSquare } from '../../src/robustness/attacks/checks.js';
import { argmax } from '../../src/robustness/attacks/common.js';
import { dlrDlogits, dlrLoss, margins, rankedClass } from '../../src/robustness/attacks/dlr.js';
import { fabTargeted, projectOnHyperplane } from '../../src/robustness/attacks/fab.js';
import { type LossModel, withLosses } from '../../src/robustness/attacks/loss_model.js';
import type { Norm } from '../../src/robustness/attacks/lp.js';
import { randomStart, startSources } from '../../src/robustness/attacks/random_start.js';
import { squareL2, squareLinf, squareP } from '../../src/robustness/attacks/square.js';
import { LinearModel } from '../../src/robustness/attacks/toy.js';
import { Mt19937, torchRand } from '../../src/util/torch_random.js';
import { mulberry, rand } from '../helpers/tensor.js';

const H = 6;
const W = 6;
const C = 3;
const D = H * W * C;
const K = 10;

function setup(n: number, seed: number) {
  const lin = LinearModel.random(K, D, seed, 6);
  const x = rand([n, H, W, C], mulberry(seed + 1), 0, 1);
  for (let i = 0; i < x.data.length; i += 7) x.data[i] = i % 2 ? 1 : 0; // values on the box's faces
  const pred = argmax({ shape: [n, K], data: Float32Array.from({ length: n * K }, (_, i) => linLogit(lin, x, Math.floor(i / K), i % K)) });
  return { lin, model: withLosses(lin), x, labels: pred }; // every image correctly classified by construction
}

function linLogit(m: LinearModel, x: Tensor, b: number, k: number): number {
  let s = m.b[k];
  for (let j = 0; j < D; j++) s += m.w[k * D + j] * x.data[b * D + j];
  return s;
}

/** min over δ in the ε-ball ∩ [0,1] of (w_y − w_j)·(x+δ) + b_y − b_j, for L∞ (a vertex, per coordinate). */
function breakableLinf(m: LinearModel, x: Tensor, b: number, y: number, eps: number): boolean {
  for (let j = 0; j < K; j++) {
    if (j === y) continue;
    let s = m.b[y] - m.b[j];
    for (let i = 0; i < D; i++) {
      const v = m.w[y * D + i] - m.w[j * D + i];
      const xi = x.data[b * D + i];
      const z = v > 0 ? Math.max(0, xi - eps) : Math.min(1, xi + eps);
      s += v * z;
    }
    if (s < 0) return true;
  }
  return false;
}

function inBall(t: Parameters<typeof t.test>[1] extends (t: infer T) => unknown ? T : never, r: AttackResult, x: Tensor, eps: number, norm: Norm) {
  let worst = 0;
  let box = true;
  for (let b = 0; b < x.shape[0]; b++) {
    let s = 0;
    for (let j = 0; j < D; j++) {
      const v = r.x.data[b * D + j];
      if (v < 0 || v > 1) box = false;
      const d = v - x.data[b * D + j];
      s = norm === 'Linf' ? Math.max(s, Math.abs(d)) : s + d * d;
    }
    worst = Math.max(worst, norm === 'Linf' ? s : Math.sqrt(s));
  }
  t.ok(box, 'every adversarial image inside [0,1]');
  t.ok(worst <= eps * (1 + 1e-5) + 1e-7, `‖x_adv − x‖ ≤ ε (max ${worst.toExponential(4)}, ε ${eps})`);
}

t.test('DLR losses: gradients w.r.t. the logits equal central finite differences (float64)', async (t) => {
  const r = mulberry(3);
  const n = 6;
  const z = { shape: [n, K], data: Float64Array.from({ length: n * K }, () => 4 * r() - 2) } as unknown as Tensor;
  const labels = [0, 3, 9, 5, 5, 1];
  // Row 1: the label is the top class (the runner-up is the 'other' logit).
  z.data[1 * K + 3] = 5;
  const targets = rankedClass(z, 2);
  for (const tg of [undefined, targets]) {
    const g = dlrDlogits(z, labels, tg);
    let worst = 0;
    for (let i = 0; i < z.data.length; i++) {
      const h = 1e-6;
      const zp = { shape: z.shape, data: Float64Array.from(z.data) } as unknown as Tensor;
      const zm = { shape: z.shape, data: Float64Array.from(z.data) } as unknown as Tensor;
      zp.data[i] += h;
      zm.data[i] -= h;
      const row = Math.floor(i / K);
      const fd = (dlrLoss(zp, labels, tg)[row] - dlrLoss(zm, labels, tg)[row]) / (2 * h);
      worst = Math.max(worst, Math.abs(fd - g.data[i]) / Math.max(1, Math.abs(fd)));
    }
    t.ok(worst < 1e-6, `${tg ? 'targeted' : 'untargeted'} DLR: max error ${worst.toExponential(2)}`);
  }
  t.ok(dlrLoss(z, labels).every((v) => v >= -1 - 1e-9 && v <= 1e9), 'untargeted DLR ≥ −1');
  t.same([...margins({ shape: [1, 3], data: Float32Array.from([1, 3, 2]) }, [1])], [1], 'margin z_y − max_{j≠y} z_j');
});

t.test('FAB projection onto a hyperplane in the box: closed form when no bound is active, constraint and box always', async (t) => {
  const r = mulberry(9);
  const n = 50;
  const w = Float64Array.from({ length: n }, () => 2 * r() - 1);
  const p = Float64Array.from({ length: n }, () => 0.5);
  let wp = 0;
  for (let i = 0; i < n; i++) wp += w[i] * p[i];
  const b = wp - 0.05;
  const d = new Float64Array(n);
  let l1 = 0;
  let l2 = 0;
  for (const v of w) {
    l1 += Math.abs(v);
    l2 += v * v;
  }
  projectOnHyperplane(d, p, w, b, 'Linf');
  t.ok(d.every((v, i) => Math.abs(v - -Math.sign(w[i]) * (0.05 / l1)) < 1e-12), 'L∞: d = −sign(w)·r/‖w‖₁');
  projectOnHyperplane(d, p, w, b, 'L2');
  t.ok(d.every((v, i) => Math.abs(v - (-0.05 * w[i]) / l2) < 1e-12), 'L2: d = −r·w/‖w‖²');
  for (const norm of ['Linf', 'L2'] as const) {
    for (let trial = 0; trial < 20; trial++) {
      const q = Float64Array.from({ length: n }, () => (r() < 0.2 ? Math.round(r()) : r()));
      let wq = 0;
      for (let i = 0; i < n; i++) wq += w[i] * q[i];
      const target = wq + (r() - 0.5) * 4;
      projectOnHyperplane(d, q, w, target, norm);
      let s = 0;
      let box = true;
      for (let i = 0; i < n; i++) {
        s += w[i] * (q[i] + d[i]);
        if (q[i] + d[i] < -1e-12 || q[i] + d[i] > 1 + 1e-12) box = false;
      }
      // Reachable iff the box corner in the step's direction passes the hyperplane.
      let reach = 0;
      for (let i = 0; i < n; i++) reach += Math.abs(w[i]) * (Math.sign(wq - target) * w[i] > 0 ? q[i] : 1 - q[i]);
      if (Math.abs(wq - target) <= reach) t.ok(Math.abs(s - target) < 1e-9, `${norm} trial ${trial}: on the hyperplane`);
      t.ok(box, `${norm} trial ${trial}: inside the box`);
    }
  }
});

t.test('APGD-CE, APGD-DLR and APGD-T: inside the ball, verdicts consistent, independent of batching (L∞ and L2)', async (t) => {
  const { model, x, labels } = setup(12, 1);
  const ids = labels.map((_, i) => 100 + i);
  for (const norm of ['Linf', 'L2'] as const) {
    const eps = norm === 'Linf' ? 0.04 : 0.5;
    for (const loss of ['ce', 'dlr'] as const) {
      const r = await apgd(model, x, labels, { norm, eps, iterations: 20, restarts: 2, loss, seed: 5, ids });
      inBall(t, r, x, eps, norm);
      const pred = argmax((await model.forward(r.x)).logits);
      t.same(r.broken, pred.map((p, i) => p !== labels[i]), `${norm} ${loss}: broken ⇔ misclassified at the returned image`);
      // The same images in two batches of 5 and 7.
      const half = async (a: number, b: number) => {
        const part = { shape: [b - a, H, W, C], data: x.data.slice(a * D, b * D) };
        return apgd(model, part, labels.slice(a, b), { norm, eps, iterations: 20, restarts: 2, loss, seed: 5, ids: ids.slice(a, b) });
      };
      const [p1, p2] = [await half(0, 5), await half(5, 12)];
      t.same([...p1.broken, ...p2.broken], r.broken, `${norm} ${loss}: the same verdicts in batches of 5 + 7`);
      t.same(Float32Array.from([...p1.x.data, ...p2.x.data]), r.x.data, `${norm} ${loss}: the same adversarial images`);
    }
    const rt = await apgdTargeted(model, x, labels, { norm, eps, iterations: 20, restarts: 1, targetClasses: 3, seed: 5, ids });
    inBall(t, rt, x, eps, norm);
  }
});

t.test('random starts, torch stream: torch.rand of the NCHW batch, transposed to NHWC; one generator per call', async (t) => {
  const { model, x, labels } = setup(3, 4);
  const eps = 0.05;
  const rows = [0, 1, 2];
  const source = startSources('torch', 7, rows);
  const g = new Mt19937(7);
  /** The start the reference computes from the next draws of g: x + ε·t/max|t|, t = 2·rand − 1 in NCHW order. */
  const expected = () => {
    const r = torchRand(3 * D, g);
    const out = new Float32Array(3 * D);
    for (let b = 0; b < 3; b++) {
      let m = 0;
      for (let j = 0; j < D; j++) m = Math.max(m, Math.abs(2 * r[b * D + j] - 1));
      for (let c = 0; c < C; c++) {
        for (let h = 0; h < H; h++) {
          for (let w = 0; w < W; w++) {
            const i = ((b * H + h) * W + w) * C + c;
            out[i] = Math.min(1, Math.max(0, x.data[i] + (eps * (2 * r[((b * C + c) * H + h) * W + w] - 1)) / m));
          }
        }
      }
    }
    return out;
  };
  const worst = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => Math.max(s, Math.abs(v - b[i])), 0);
  const first = randomStart(x.data, 3, [H, W, C], eps, 'Linf', source(0), rows);
  t.ok(worst(first, expected()) <= 1e-6, 'the first run: the first 3·H·W·C draws, channel-major per image');
  t.ok(worst(randomStart(x.data, 3, [H, W, C], eps, 'Linf', source(1), rows), expected()) <= 1e-6, 'the next run (a restart, a target class) draws on');
  t.same(randomStart(x.data, 3, [H, W, C], eps, 'Linf', startSources('torch', 7, rows)(0), rows), first, 'a new call seeds afresh');
  const o = { norm: 'Linf' as const, eps, iterations: 10, restarts: 2, loss: 'ce' as const, seed: 7, ids: rows, randomStream: 'torch' as const };
  const r1 = await apgd(model, x, labels, o);
  inBall(t, r1, x, eps, 'Linf');
  t.same((await apgd(model, x, labels, o)).x.data, r1.x.data, 'APGD in the torch stream: reruns give the same images');
  await t.rejects(apgd(model, x, labels, { ...o, randomStream: 'numpy' as never }), /random stream/);
});

t.test('APGD-T and FAB-T against the exact L∞ robustness of a linear classifier', async (t) => {
  const { lin, model, x, labels } = setup(60, 2);
  const eps = 0.03;
  const truth = labels.map((y, b) => breakableLinf(lin, x, b, y, eps));
  const n = truth.filter(Boolean).length;
  t.ok(n > 10 && n < 50, `a mix of breakable (${n}) and robust images`);
  const ids = labels.map((_, i) => i);
  const at = await apgdTargeted(model, x, labels, { norm: 'Linf', eps, iterations: 40, restarts: 1, targetClasses: 9, seed: 0, ids });
  t.ok(at.broken.every((b, i) => !b || truth[i]), 'APGD-T breaks no image that is robust (soundness)');
  const found = at.broken.filter(Boolean).length;
  t.ok(found >= 0.95 * n, `APGD-T breaks ${found} of the ${n} breakable images`);
  const fab = await fabTargeted(model, x, labels, { norm: 'Linf', eps, iterations: 20, restarts: 1, targetClasses: 9, seed: 0, ids });
  inBall(t, fab, x, eps, 'Linf');
  t.ok(fab.broken.every((b, i) => !b || truth[i]), 'FAB-T breaks no robust image');
  t.ok(fab.broken.filter(Boolean).length >= 0.95 * n, `FAB-T breaks ${fab.broken.filter(Boolean).length} of ${n} (one linear step reaches the boundary)`);
});

t.test('Square (L∞): inside the ball, verdicts consistent, sound on the linear model; the schedule of p', async (t) => {
  const { lin, model, x, labels } = setup(20, 4);
  const eps = 0.05;
  const ids = labels.map((_, i) => i);
  const r = await squareLinf(model, x, labels, { eps, queries: 300, seed: 1, ids });
  inBall(t, r, x, eps, 'Linf');
  const pred = argmax((await model.forward(r.x)).logits);
  t.same(r.broken, pred.map((p, i) => p !== labels[i]), 'broken ⇔ misclassified');
  t.ok(r.broken.every((b, i) => !b || breakableLinf(lin, x, i, labels[i], eps)), 'no robust image broken');
  t.ok(r.broken.some(Boolean), 'some images broken');
  t.same([0, 10, 11, 50, 51, 8001].map((i) => squareP(i, 0.8)), [0.8, 0.8, 0.4, 0.4, 0.2, 0.8 / 512]);
});

t.test('Square (L2): on the ε-sphere or inside the ball, verdicts consistent, independent of batching', async (t) => {
  const { model, x, labels } = setup(10, 6);
  const eps = 0.6;
  const ids = labels.map((_, i) => i);
  const r = await squareL2(model, x, labels, { eps, queries: 150, seed: 2, ids });
  inBall(t, r, x, eps, 'L2');
  const pred = argmax((await model.forward(r.x)).logits);
  t.same(r.broken, pred.map((p, i) => p !== labels[i]), 'broken ⇔ misclassified');
  t.ok(r.broken.some(Boolean), `some images broken (${r.broken.filter(Boolean).length})`);
  const a = await squareL2(model, { shape: [4, H, W, C], data: x.data.slice(0, 4 * D) }, labels.slice(0, 4), { eps, queries: 150, seed: 2, ids: ids.slice(0, 4) });
  t.same(a.broken, r.broken.slice(0, 4), 'the same verdicts in a batch of 4');
});

t.test('versions as the reference sets them; lists and overrides checked', async (t) => {
  const s = autoAttackConfig('standard', 'Linf', 4 / 255, 0);
  t.same(s.attacks, ['apgd-ce', 'apgd-t', 'fab-t', 'square']);
  t.same([s.apgd.restarts, s.apgd.iterations, s.apgdT.targetClasses, s.fab.targetClasses, s.fab.restarts, s.square.queries], [1, 100, 9, 9, 1, 5000]);
  const r = autoAttackConfig('rand', 'Linf', 4 / 255, 0);
  t.same([r.attacks, r.apgd.eotIter, r.apgd.restarts], [['apgd-ce', 'apgd-dlr'], 20, 1]);
  t.same(autoAttackConfig('plus', 'L2', 0.5, 0).apgd.restarts, 5);
  t.same(autoAttackConfig('custom', 'Linf', 0.1, 0, { attacks: ['apgd-t'] }).apgd.restarts, 5, "custom keeps the constructor's defaults");
  t.throws(() => autoAttackConfig('standard', 'Linf', 0.1, 0, { attacks: ['apgd-ce'] }), /needs --version custom/);
  t.throws(() => autoAttackConfig('custom', 'Linf', 0.1, 0), /name the attacks/);
  t.throws(() => autoAttackConfig('custom', 'Linf', 0.1, 0, { attacks: ['pgd' as never] }), /unknown attack "pgd"/);
  t.throws(() => autoAttackConfig('standard', 'Linf', 0, 0), /> 0/);
  t.ok(AA_ATTACKS.includes('square'));
  const { model, x, labels } = setup(4, 7);
  const l2 = await runAaAttack(model, 'square', autoAttackConfig('standard', 'L2', 0.5, 0, { queries: 10 }), x, labels, [0, 1, 2, 3]);
  t.equal(l2.broken.length, 4, 'L2 Square through the version table');
});

t.test('sanity checks: randomised and softmax models flagged, plain model not', async (t) => {
  const { model, x, labels } = setup(8, 3);
  const r = mulberry(11);
  const noisy: LossModel = {
    forward: async (v) => model.forward({ shape: v.shape, data: v.data.map((a) => a + 0.05 * (r() - 0.5)) }),
    inputGradient: (v, tg) => model.inputGradient(v, tg),
  };
  const softmax: LossModel = {
    async forward(v) {
      const { logits } = await model.forward(v);
      const [n, k] = logits.shape;
      const p = new Float32Array(logits.data.length);
      for (let i = 0; i < n; i++) {
        const row = logits.data.subarray(i * k, (i + 1) * k);
        const m = Math.max(...row);
        let s = 0;
        for (let j = 0; j < k; j++) s += p[i * k + j] = Math.exp(row[j] - m);
        for (let j = 0; j < k; j++) p[i * k + j] /= s;
      }
      return { logits: { shape: [n, k], data: p } };
    },
    inputGradient: (v, tg) => model.inputGradient(v, tg),
  };
  t.equal(await checkRandomized(model, x, labels), false, 'plain: not randomised');
  t.equal(await checkRandomized(noisy, x, labels), true, 'input noise: randomised');
  t.equal((await checkRangeOutput(model, x)).softmax, false, 'plain: logits');
  t.equal((await checkRangeOutput(softmax, x)).softmax, true, 'softmax output flagged');
  t.equal((await checkRangeOutput(model, x)).classes, K);
  t.match(checkClasses(3, ['apgd-t'], 9, 9), /targeted DLR/);
  t.match(checkClasses(5, ['apgd-t', 'fab-t'], 9, 9), /APGD-T.*FAB-T/);
  t.equal(checkClasses(1000, ['apgd-t', 'fab-t'], 9, 9), null);
  t.equal(checkSquare({ clean: 0.9, 'apgd-ce': 0.5, square: 0.45 }), true);
  t.equal(checkSquare({ clean: 0.9, 'apgd-ce': 0.5, square: 0.499 }), false);
});
