// PGD throughput: adversarial images/s of an L∞ PGD attack (random start, α = ε/4, CE) on our engine and on
// PyTorch (timm, channels-last, autograd) with the same model, threads and batch, measured in the same run.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Model } from '../models/model.js';
import type { Tensor } from '../native.js';
import { apgd } from '../robustness/attacks/apgd.js';
import { argmax } from '../robustness/attacks/common.js';
import { pgd } from '../robustness/attacks/pgd.js';
import { mulberry32 } from '../util/rng.js';
import { randomParams } from './model.js';
import { checkSameModel, runAnchor } from './oracle.js';

export interface AttackBenchOptions {
  model: string;
  /** 'pgd' (PGD-steps against timm autograd) or 'apgd-ce' (APGD-CE, `steps` iterations, against the reference AutoAttack). */
  attack?: 'pgd' | 'apgd-ce';
  batch: number;
  /** Input size (default: the model's). */
  size?: number;
  steps?: number;
  eps?: number;
  reps?: number;
  warmup?: number;
  threads: number;
  /** The oracle's python for the PyTorch anchor, or null to skip it. */
  python?: string | null;
}

export interface AttackBenchRow {
  model: string;
  attack: string;
  batch: number;
  size: number;
  threads: number;
  ours_ips: number;
  torch_ips: number | null;
  ratio: number | null;
  torch_version: string | null;
  /** APGD-CE: images still robust after the attack, ours and the reference's (labels = clean predictions). */
  robust?: number;
  torch_robust?: number | null;
}

async function median(fn: () => Promise<unknown>, warmup: number, reps: number): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    ts.push((performance.now() - t0) / 1000);
  }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)];
}

export async function benchAttack(o: AttackBenchOptions): Promise<AttackBenchRow> {
  const steps = o.steps ?? 5;
  const eps = o.eps ?? 4 / 255;
  const reps = o.reps ?? 3;
  const warmup = o.warmup ?? 1;
  const model = new Model(o.model);
  if (model.entry.numClasses < 1) throw new RangeError(`${o.model} has no classifier head`);
  model.setParams(randomParams(model));
  const size = o.size ?? model.entry.preprocess.inputSize;
  const rng = mulberry32(1);
  const x: Tensor = { shape: [o.batch, size, size, 3], data: Float32Array.from({ length: o.batch * size * size * 3 }, rng) };
  const labels = Array.from({ length: o.batch }, (_, i) => (i * 97) % model.entry.numClasses);
  const apgdCe = o.attack === 'apgd-ce';
  let robust: number | undefined;
  if (apgdCe) {
    // Labels = the model's own predictions, so every image is attacked (random weights are right by chance only).
    labels.splice(0, labels.length, ...argmax((await model.forward(x)).logits));
  }
  const once = async () => {
    if (!apgdCe) return pgd(model, x, labels, { eps, steps, seed: 0 });
    const r = await apgd(model, x, labels, { norm: 'Linf', eps, iterations: steps, restarts: 1, loss: 'ce', seed: 0, ids: labels.map((_, i) => i) });
    robust = r.broken.filter((b) => !b).length;
    return r;
  };
  const s = await median(once, warmup, reps);
  const row: AttackBenchRow = {
    model: o.model,
    attack: `${apgdCe ? 'apgd-ce' : 'pgd'}-${steps}`,
    batch: o.batch,
    size,
    threads: o.threads,
    ours_ips: o.batch / s,
    torch_ips: null,
    ratio: null,
    torch_version: null,
    ...(apgdCe ? { robust, torch_robust: null } : {}),
  };
  if (o.python) {
    const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), `../../scripts/bench/${apgdCe ? 'apgd_torch.py' : 'attack_torch.py'}`);
    const args = {
      name: o.model, family: model.entry.family, config: model.config, batch: o.batch, size, threads: o.threads, steps, eps, reps, warmup,
      mean: model.entry.preprocess.mean, std: model.entry.preprocess.std,
    };
    const r = await runAnchor<{ torch: string; seconds: number; robust?: number; state_numel: number }>(o.python, script, args);
    checkSameModel(model, r.state_numel, apgdCe ? 'apgd_torch.py' : 'attack_torch.py');
    if (apgdCe) row.torch_robust = r.robust ?? null;
    row.torch_ips = o.batch / r.seconds;
    row.ratio = row.ours_ips / row.torch_ips;
    row.torch_version = r.torch;
  }
  return row;
}
