// APGD (Croce & Hein 2020, "Reliable evaluation of adversarial robustness with an ensemble of diverse
// parameter-free attacks"), L∞ and L2, on cross-entropy, DLR or targeted DLR, as the reference AutoAttack runs
// it: step size 2ε, momentum 0.75 (none on the first step), checkpoints after 22% of the iterations, then each
// 3% shorter down to 6%, where the step halves (and the iterate returns to the best point) for images whose
// loss rose on at most ρ = 75% of the steps since the last checkpoint, or that did not improve after a
// checkpoint that did not halve; restarts and target classes on the images not broken yet. Random starts come from
// per-image streams, or from the reference's torch stream (./random_start.ts).
//
// Per image all state is its own (step size, best loss, iterates), so an image that is misclassified is taken
// out of the batch at once: its result (broken) cannot change, and the engine spends nothing more on it.
// Each step is one engine call on the remaining batch (eotIter calls for a randomised model).
import type { Tensor } from '../../native.js';
import { argmax, crossEntropy } from './common.js';
import { dlrLoss, rankedClass } from './dlr.js';
import type { LossModel, LossName } from './loss_model.js';
import { type Norm, normalizeInto, projectClip } from './lp.js';
import { randomStart, type RandomStream, type StartSource, startSources } from './random_start.js';

export interface ApgdOptions {
  norm: Norm;
  eps: number;
  /** Iterations per run (reference: 100). */
  iterations: number;
  /** Random restarts (reference: 1 in `standard`, 5 in `plus`). */
  restarts: number;
  /** Untargeted loss 'ce' or 'dlr'; targeted runs use APGD-T (apgdTargeted). */
  loss: 'ce' | 'dlr';
  /** Gradient samples averaged per step (Expectation over Transformation, `rand`: 20). */
  eotIter?: number;
  rho?: number;
  seed: number;
  /** Stable per-image ids for the random starts. */
  ids: readonly number[];
  /**
   * Where random starts come from (./random_start.ts): 'per-image' (default; independent of batching) or 'torch'
   * (the reference's torch stream, seeded once per call as its `perturb` seeds once per batch).
   */
  randomStream?: RandomStream;
}

export interface ApgdTargetedOptions extends Omit<ApgdOptions, 'loss'> {
  /** Target classes: the 2nd, 3rd, … highest clean logits (reference: 9). */
  targetClasses: number;
}

export interface AttackResult {
  /** Adversarial images (the clean image where the attack failed). */
  x: Tensor;
  /** Per image: misclassified at x. */
  broken: boolean[];
  /** Per image: an all-zero DLR-loss gradient at the start of a run (the reference's zero-gradient check). */
  zeroGradient: boolean[];
}

interface Run {
  /** Indices into the caller's batch. */
  idx: number[];
  loss: LossName;
  targets?: number[];
  /** This run's random start. */
  start: StartSource;
}

function lossOf(loss: LossName, logits: Tensor, labels: number[], targets?: number[]): Float64Array {
  if (loss === 'ce') return Float64Array.from(crossEntropy(logits, labels));
  return dlrLoss(logits, labels, loss === 'dlr-targeted' ? targets : undefined);
}

function gather(src: Float32Array, rows: readonly number[], per: number): Float32Array {
  const out = new Float32Array(rows.length * per);
  rows.forEach((r, i) => out.set(src.subarray(r * per, (r + 1) * per), i * per));
  return out;
}

/**
 * One APGD run on images `run.idx` of x. Writes adversarial images into adv and sets broken[i] for those it
 * misclassifies, and zero[i] for those whose first DLR gradient is all zero.
 */
async function singleRun(model: LossModel, x: Tensor, labels: readonly number[], o: ApgdOptions, run: Run, adv: Float32Array, broken: boolean[], zero: boolean[]): Promise<void> {
  const per = x.data.length / x.shape[0];
  const imgShape = x.shape.slice(1);
  const eot = o.eotIter ?? 1;
  const rho = o.rho ?? 0.75;
  const nIter = o.iterations;
  const nIter2 = Math.max(Math.floor(0.22 * nIter), 1);
  const nIterMin = Math.max(Math.floor(0.06 * nIter), 1);
  const sizeDecr = Math.max(Math.floor(0.03 * nIter), 1);
  const eps = o.eps;

  let n = run.idx.length;
  const x0 = gather(x.data, run.idx, per);
  let act = Array.from({ length: n }, (_, i) => i); // active rows (local indices) in the order of the batch arrays
  const ys = run.idx.map((i) => labels[i]);
  const ts = run.targets;

  const xAdv = randomStart(x0, n, imgShape, eps, o.norm, run.start, run.idx);

  // Per-row state, indexed by local image index (0..n-1).
  const xBest = new Float32Array(xAdv);
  const xOld = new Float32Array(xAdv);
  const grad = new Float32Array(n * per);
  const gradBest = new Float32Array(n * per);
  const step = new Float64Array(n).fill(2 * eps);
  const lossBest = new Float64Array(n);
  const lossLastCheck = new Float64Array(n);
  const reducedLast = new Uint8Array(n).fill(1);
  // Losses per step, (nIter, n); row nIter − 1 stays 0 until written: the reference's first oscillation check
  // reads it (index −1), and so do we.
  const lossSteps = new Float64Array(nIter * n);

  /** Gradient, logits and loss at xAdv for the active rows; writes grad, returns per-active-row loss and predictions. */
  const evaluate = async (): Promise<{ loss: Float64Array; pred: number[] }> => {
    const m = act.length;
    const xa = gather(xAdv, act, per);
    const lab = act.map((i) => ys[i]);
    const tg = ts ? act.map((i) => ts[i]) : undefined;
    const g = new Float32Array(m * per);
    let logits: Tensor | null = null;
    for (let e = 0; e < eot; e++) {
      const r = await model.inputGradient({ shape: [m, ...imgShape], data: xa }, { labels: lab, loss: run.loss, ...(tg ? { targets: tg } : {}) });
      for (let i = 0; i < g.length; i++) g[i] += r.grad.data[i];
      logits = r.logits;
    }
    if (eot > 1) for (let i = 0; i < g.length; i++) g[i] /= eot;
    act.forEach((row, a) => grad.set(g.subarray(a * per, (a + 1) * per), row * per));
    return { loss: lossOf(run.loss, logits!, lab, tg), pred: argmax(logits!) };
  };

  /** Marks misclassified active rows broken (their iterate is the adversarial image) and drops them. */
  const retire = (pred: number[]): boolean[] => {
    const keep: boolean[] = [];
    act.forEach((row, a) => {
      const wrong = pred[a] !== ys[row];
      if (wrong) {
        const i = run.idx[row];
        broken[i] = true;
        adv.set(xAdv.subarray(row * per, (row + 1) * per), i * per);
      }
      keep.push(!wrong);
    });
    return keep;
  };

  const first = await evaluate();
  if (run.loss !== 'ce') {
    for (const row of act) {
      let s = 0;
      for (let j = 0; j < per; j++) s += Math.abs(grad[row * per + j]);
      if (s === 0) zero[run.idx[row]] = true;
    }
  }
  gradBest.set(grad);
  act.forEach((row, a) => {
    lossBest[row] = first.loss[a];
    lossLastCheck[row] = first.loss[a];
  });
  let keep = retire(first.pred);
  act = act.filter((_, a) => keep[a]);

  let k = nIter2;
  let counter3 = 0;
  const x1 = new Float32Array(per);
  for (let it = 0; it < nIter && act.length; it++) {
    const a = it > 0 ? 0.75 : 1.0;
    for (const row of act) {
      const o0 = row * per;
      const xa = xAdv.subarray(o0, o0 + per);
      const xo = xOld.subarray(o0, o0 + per);
      const xc = x0.subarray(o0, o0 + per);
      const g = grad.subarray(o0, o0 + per);
      const s = step[row];
      // z = P(x + s·dir(g)); x_new = P(x + a(z − x) + (1 − a)(x − x_old)); x_old = x.
      if (o.norm === 'Linf') {
        for (let j = 0; j < per; j++) x1[j] = xa[j] + s * (g[j] > 0 ? 1 : g[j] < 0 ? -1 : 0);
      } else {
        normalizeInto(x1, g, 1, per, 'L2');
        for (let j = 0; j < per; j++) x1[j] = xa[j] + s * x1[j];
      }
      projectClip(x1, xc, 1, per, eps, o.norm);
      for (let j = 0; j < per; j++) {
        const v = xa[j] + (x1[j] - xa[j]) * a + (xa[j] - xo[j]) * (1 - a);
        xo[j] = xa[j];
        x1[j] = v;
      }
      projectClip(x1, xc, 1, per, eps, o.norm);
      xa.set(x1);
    }
    const r = await evaluate();
    act.forEach((row, q) => {
      lossSteps[it * n + row] = r.loss[q];
      if (r.loss[q] > lossBest[row]) {
        xBest.set(xAdv.subarray(row * per, (row + 1) * per), row * per);
        gradBest.set(grad.subarray(row * per, (row + 1) * per), row * per);
        lossBest[row] = r.loss[q];
      }
    });
    keep = retire(r.pred);
    act = act.filter((_, q) => keep[q]);
    if (++counter3 === k) {
      for (const row of act) {
        let rises = 0;
        for (let c = 0; c < k; c++) {
          const cur = it - c;
          const prev = (it - c - 1 + nIter) % nIter;
          if (lossSteps[cur * n + row] > lossSteps[prev * n + row]) rises++;
        }
        const oscillating = rises <= k * rho;
        const stalled = !reducedLast[row] && lossLastCheck[row] >= lossBest[row];
        const reduce = oscillating || stalled;
        reducedLast[row] = reduce ? 1 : 0;
        lossLastCheck[row] = lossBest[row];
        if (reduce) {
          step[row] /= 2;
          xAdv.set(xBest.subarray(row * per, (row + 1) * per), row * per);
          grad.set(gradBest.subarray(row * per, (row + 1) * per), row * per);
        }
      }
      k = Math.max(k - sizeDecr, nIterMin);
      counter3 = 0;
    }
  }
}

/** Which images of x are correctly classified (the ones an attack works on). */
async function correct(model: LossModel, x: Tensor, labels: readonly number[]): Promise<{ ok: boolean[]; logits: Tensor }> {
  const { logits } = await model.forward(x);
  return { ok: argmax(logits).map((p, i) => p === labels[i]), logits };
}

function subset(x: Tensor, rows: readonly number[]): Tensor {
  const per = x.data.length / x.shape[0];
  return { shape: [rows.length, ...x.shape.slice(1)], data: gather(x.data, rows, per) };
}

function checkOptions(o: ApgdOptions | ApgdTargetedOptions, x: Tensor, labels: readonly number[]): void {
  if (!(o.eps > 0) || !Number.isFinite(o.eps)) throw new RangeError(`APGD eps: expected a finite number > 0, received ${o.eps}`);
  if (!Number.isInteger(o.iterations) || o.iterations < 1) throw new RangeError(`APGD iterations: expected an integer ≥ 1, received ${o.iterations}`);
  if (!Number.isInteger(o.restarts) || o.restarts < 1) throw new RangeError(`APGD restarts: expected an integer ≥ 1, received ${o.restarts}`);
  if (labels.length !== x.shape[0] || o.ids.length !== x.shape[0]) throw new RangeError(`APGD: expected ${x.shape[0]} labels and ids, received ${labels.length} and ${o.ids.length}`);
}

/** APGD-CE / APGD-DLR (untargeted) with restarts, on the images of x classified correctly. */
export async function apgd(model: LossModel, x: Tensor, labels: readonly number[], o: ApgdOptions): Promise<AttackResult> {
  checkOptions(o, x, labels);
  const n = x.shape[0];
  const adv = new Float32Array(x.data);
  const { ok } = await correct(model, x, labels);
  const broken = ok.map((c) => !c);
  const zeroGradient = new Array<boolean>(n).fill(false);
  const start = startSources(o.randomStream, o.seed, o.ids);
  for (let r = 0; r < o.restarts; r++) {
    const idx = Array.from({ length: n }, (_, i) => i).filter((i) => !broken[i]);
    if (!idx.length) break;
    await singleRun(model, x, labels, o, { idx, loss: o.loss, start: start(Math.imul(r + 1, 0x27d4eb2d)) }, adv, broken, zeroGradient);
  }
  return { x: { shape: [...x.shape], data: adv }, broken, zeroGradient };
}

/** APGD-T: targeted DLR towards the 2nd … (targetClasses+1)-th highest clean logits, each with `restarts` runs. */
export async function apgdTargeted(model: LossModel, x: Tensor, labels: readonly number[], o: ApgdTargetedOptions): Promise<AttackResult> {
  checkOptions(o, x, labels);
  if (!Number.isInteger(o.targetClasses) || o.targetClasses < 1) throw new RangeError(`APGD-T target classes: expected an integer ≥ 1, received ${o.targetClasses}`);
  const n = x.shape[0];
  const adv = new Float32Array(x.data);
  const { ok, logits } = await correct(model, x, labels);
  const k = logits.shape[1];
  if (o.targetClasses + 1 > k) throw new RangeError(`APGD-T: ${o.targetClasses} target classes need at least ${o.targetClasses + 1} classes, the model has ${k}`);
  const broken = ok.map((c) => !c);
  const zeroGradient = new Array<boolean>(n).fill(false);
  const start = startSources(o.randomStream, o.seed, o.ids);
  for (let rank = 2; rank < o.targetClasses + 2; rank++) {
    for (let r = 0; r < o.restarts; r++) {
      const idx = Array.from({ length: n }, (_, i) => i).filter((i) => !broken[i]);
      if (!idx.length) break;
      // Targets from the clean logits of the images still to fool (the reference recomputes them per run).
      const targets = rankedClass((await model.forward(subset(x, idx))).logits, rank);
      const opts: ApgdOptions = { ...o, loss: 'dlr' };
      await singleRun(model, x, labels, opts, { idx, loss: 'dlr-targeted', targets, start: start(Math.imul(rank * 64 + r + 1, 0x165667b1)) }, adv, broken, zeroGradient);
    }
  }
  return { x: { shape: [...x.shape], data: adv }, broken, zeroGradient };
}
