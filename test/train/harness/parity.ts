// The training parity harness (issue 16, Done-when 1), one test file per family (parity_<family>.test.ts) so each
// gets its own time budget: for a small configuration of each family that trains, one training step (forward in
// training mode, label-smoothed loss, backward) matches PyTorch (timm ConvNeXt, torchvision ResNet): parameter
// gradients rel. L2 <= 1e-4, batch-norm running statistics after the step <= 1e-5; and 20 steps of SGD
// (Nesterov, under timm's cosine schedule with warm-up) and of AdamW from the same weights and batches stay
// within 1e-3 of PyTorch's loss curve and final weights (rel. L2 per tensor). Where PyTorch's own float32 run is
// as far from exact as the bound (measured against float64, or against itself from weights perturbed by 1e-7),
// a family names the better-conditioned reference or learning rate it uses, with the measurements.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import t from 'tap';

import { readSafetensors, type StateDict } from '../../../src/models/checkpoint/index.js';
import { Model } from '../../../src/models/model.js';
import type { Tensor } from '../../../src/native.js';
import { cosineLr } from '../../../src/train/schedule.js';
import { ORACLE_SKIP, oraclePython, runOracleIn } from '../../helpers/oracle.js';
import { relL2 } from '../../helpers/tensor.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const script = path.join(here, '..', 'oracle_train.py');
const STEPS = 20;
const SMOOTHING = 0.1;
const SGD = { lr: 0.02, momentum: 0.9, nesterov: true, weight_decay: 0.05, lr_min: 1e-4, warmup: 3, warmup_lr_init: 1e-3 };
const ADAMW = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.05 };

export const families = [
  {
    family: 'convnext',
    entry: 'convnext_tiny',
    config: { depths: [1, 1, 2, 1], dims: [16, 24, 32, 48], kernel_size: 7 },
  },
  {
    family: 'resnet',
    entry: 'resnet50',
    config: { layers: [1, 1, 1, 1] },
    frozenBn: true,
    // AdamW at lr 1e-3 is chaotic here: PyTorch against itself with the weights perturbed by 1e-7 (relative)
    // drifts 2.4e-3 in loss and 1.9e-2 in weights over the 20 steps (3.0e-3 / 2.1e-3 at lr 1e-4), so no engine
    // could be held to 1e-3 there; at 1e-5 that drift is 1.2e-6 / 5.3e-6. SGD keeps the common settings
    // (PyTorch against perturbed PyTorch: 4.8e-7). docs/TRAINING.md, "Parity and conditioning".
    adamw: { lr: 1e-5 },
  },
  {
    family: 'resnetv2',
    entry: 'resnetv2_50x1_bit',
    config: { layers: [1, 1, 1, 1] },
    // PyTorch's float32 gradients differ from its own float64 ones by 3.4e-4 here (float32 rounding of the
    // standardised weights, amplified by the network); the engine standardises in double and agrees with the
    // float64 reference to ~3e-6. So the one-step reference is PyTorch in float64.
    oneStepDtype: 'float64',
    // Weight standardisation makes the effective step on the standardised weights lr / var(w) (~1600 lr for the
    // stem's kaiming-initialised weights): at the common settings PyTorch against itself perturbed by 1e-7 drifts
    // by 2.6 (SGD) and 3.6e-2 (AdamW) in loss; at these rates by 2.2e-5 and 1.6e-5 (docs/TRAINING.md).
    sgd: { lr: 2e-5, lr_min: 1e-7, warmup_lr_init: 1e-6 },
    adamw: { lr: 1e-5 },
  },
  { family: 'replknet', entry: 'replknet_31b', config: { kernels: [7, 5, 5, 3], layers: [1, 1, 1, 1], channels: [8, 16, 16, 24], small_kernel: 3 }, frozenBn: true },
  { family: 'vit', entry: 'vit_small_patch16_224', config: { depth: 2, dim: 24, heads: 2, img_size: 32, patch: 8 } },
];

type Family = (typeof families)[number] & {
  todo?: { grads?: string; steps?: string };
  oneStepDtype?: 'float32' | 'float64';
  sgd?: Partial<typeof SGD>;
  adamw?: Partial<typeof ADAMW>;
};
const todoFor = (f: Family, what: 'grads' | 'steps') => (f.todo?.[what] ? { todo: f.todo[what] } : {});

function tensorOf(sd: StateDict, key: string): Tensor {
  const e = sd.get(key);
  if (!e || !e.data) throw new Error(`oracle output lacks ${key}`);
  return { shape: e.shape, data: e.data };
}

function fresh(f: (typeof families)[number], init: StateDict): Model {
  const m = new Model(f.entry, { config: { ...f.config, num_classes: 10 } });
  const params: Record<string, Tensor> = {};
  for (const s of m.paramSpecs()) params[s.name] = tensorOf(init, s.name);
  m.setParams(params);
  return m;
}

function labelsOf(sd: StateDict, t: number): number[] {
  return Array.from(tensorOf(sd, `y${t}`).data, (v) => Math.round(v));
}

export function parityTest(family: string): void {
  const f = families.find((x) => x.family === family)! as Family;
  const sgd = { ...SGD, ...f.sgd };
  const adamw = { ...ADAMW, ...f.adamw };
  t.test(`${f.family}: a training step, 20 SGD and 20 AdamW steps match PyTorch`, { skip: oraclePython() ? false : ORACLE_SKIP }, async (t) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lkr-train-parity-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const norm = new Model(f.entry, { config: { ...f.config, num_classes: 10 } }).config;
    await runOracleIn(dir, script, {
      mean: norm.mean,
      std: norm.std,
      family: f.family,
      config: f.config,
      classes: 10,
      size: 32,
      batch: 8,
      steps: STEPS,
      smoothing: SMOOTHING,
      frozen_bn: 'frozenBn' in f && f.frozenBn,
      sgd,
      adamw,
      one_step_dtype: f.oneStepDtype ?? 'float32',
    });
    const init = readSafetensors(path.join(dir, 'init.safetensors'));
    const batches = readSafetensors(path.join(dir, 'batches.safetensors'));
    const ref = JSON.parse(readFileSync(path.join(dir, 'result.json'), 'utf8')) as {
      step1_loss: number;
      sgd: { losses: number[]; lrs: number[] };
      adamw: { losses: number[] };
    };

    // One step: loss, every parameter's gradient, running statistics after the training-mode forward.
    const m = fresh(f, init);
    m.training.setOptimizer({ kind: 'sgd' });
    const r = await m.training.trainBatch(tensorOf(batches, 'x0'), { labels: labelsOf(batches, 0), labelSmoothing: SMOOTHING, returnGrads: true });
    t.ok(Math.abs(r.loss - ref.step1_loss) <= 1e-5, `loss ${r.loss} vs PyTorch ${ref.step1_loss}`);
    const grads = readSafetensors(path.join(dir, 'grads.safetensors'));
    // A bias followed (through shift-invariant layers) by a training-mode batch-norm has an exactly zero gradient
    // (the shift is normalised away): both sides hold float noise there. Such tensors are judged against 1% of the
    // largest tensor gradient norm instead of their own.
    const l2 = (a: ArrayLike<number>) => Math.sqrt(Array.prototype.reduce.call(a, (s: number, v: number) => s + v * v, 0) as number);
    let largest = 0;
    for (const [, g] of grads) largest = Math.max(largest, l2(g.data!));
    let worst = 0;
    let worstKey = '';
    for (const [k, g] of grads) {
      const ours = r.grads?.[k];
      if (!ours) {
        t.fail(`no gradient for ${k}`);
        continue;
      }
      const d = l2(Float64Array.from(ours.data, (v, i) => v - g.data![i]!));
      const e = d / Math.max(l2(g.data!), 1e-2 * largest);
      if (e > worst) [worst, worstKey] = [e, k];
    }
    t.equal(Object.keys(r.grads ?? {}).length, grads.size, 'a gradient for every parameter, no more');
    if (f.oneStepDtype === 'float64') {
      // How far PyTorch's own float32 gradients are from the float64 reference: why float64 is the reference.
      let worst32 = 0;
      for (const [k, g] of readSafetensors(path.join(dir, 'grads_float32.safetensors'))) {
        const ref64 = grads.get(k)!.data!;
        worst32 = Math.max(worst32, l2(Float64Array.from(g.data!, (v, i) => v - ref64[i]!)) / Math.max(l2(ref64), 1e-2 * largest));
      }
      t.comment(`PyTorch float32 vs PyTorch float64 (the reference): worst ${worst32.toExponential(2)}`);
    }
    t.ok(worst <= 1e-4, `parameter gradients rel. L2 <= 1e-4 (worst ${worst.toExponential(2)} at ${worstKey})`, todoFor(f, 'grads'));
    const after = readSafetensors(path.join(dir, 'after_step1.safetensors'));
    const params = m.getParams();
    let worstStat = 0;
    let stats = 0;
    for (const [k, v] of after) {
      if (!k.endsWith('.running_mean') && !k.endsWith('.running_var')) continue;
      stats++;
      worstStat = Math.max(worstStat, relL2(params[k]!.data, v.data!));
    }
    if (f.family === 'resnet' || f.family === 'replknet') t.ok(stats > 0, 'the model has running statistics');
    t.ok(worstStat <= 1e-5, `running statistics after the step rel. L2 <= 1e-5 (worst ${worstStat.toExponential(2)})`);

    for (const kind of ['sgd', 'adamw'] as const) {
      const mm = fresh(f, init);
      if (kind === 'sgd') mm.training.setOptimizer({ kind, momentum: sgd.momentum, nesterov: sgd.nesterov, weightDecay: sgd.weight_decay });
      else mm.training.setOptimizer({ kind, beta1: adamw.beta1, beta2: adamw.beta2, eps: adamw.eps, weightDecay: adamw.weight_decay });
      const sched = { lr: sgd.lr, totalSteps: STEPS, warmupSteps: sgd.warmup, warmupLrInit: sgd.warmup_lr_init, lrMin: sgd.lr_min };
      let worstLoss = 0;
      let worstLr = 0;
      for (let s = 0; s < STEPS; s++) {
        const lr = kind === 'sgd' ? cosineLr(sched, s) : adamw.lr;
        if (kind === 'sgd') worstLr = Math.max(worstLr, Math.abs(lr - ref.sgd.lrs[s]!));
        const b = await mm.training.trainBatch(tensorOf(batches, `x${s}`), {
          labels: labelsOf(batches, s),
          labelSmoothing: SMOOTHING,
          training: !('frozenBn' in f && f.frozenBn),
        });
        worstLoss = Math.max(worstLoss, Math.abs(b.loss - ref[kind].losses[s]!));
        mm.training.optimizerStep(lr);
      }
      if (kind === 'sgd') t.ok(worstLr <= 1e-12, `cosine schedule with warm-up equals timm's (worst ${worstLr})`);
      t.ok(worstLoss <= 1e-3, `${kind}: loss curve within 1e-3 of PyTorch (worst ${worstLoss.toExponential(2)})`, todoFor(f, 'steps'));
      const final = readSafetensors(path.join(dir, `${kind}_final.safetensors`));
      const got = mm.getParams();
      let worstW = 0;
      let worstWKey = '';
      for (const [k, v] of final) {
        const e = relL2(got[k]!.data, v.data!);
        if (e > worstW) [worstW, worstWKey] = [e, k];
      }
      t.ok(worstW <= 1e-3, `${kind}: final weights rel. L2 <= 1e-3 (worst ${worstW.toExponential(2)} at ${worstWKey})`, todoFor(f, 'steps'));
    }
  });
}
