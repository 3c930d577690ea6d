// Training throughput: images/s of one optimiser step (train-mode forward, label-smoothed loss, backward, fused
// AdamW or SGD) on our engine, beside PyTorch's for the same model, threads, batch and channels-last layout.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Model } from '../models/model.js';
import type { ConfigValue } from '../models/registry.js';
import type { Tensor } from '../native.js';
import { initialParams } from '../train/init.js';
import { mulberry32 } from '../util/rng.js';
import { checkSameModel, runAnchor } from './oracle.js';

export interface TrainBenchOptions {
  name: string;
  config: Record<string, ConfigValue>;
  batch: number;
  size: number;
  reps: number;
  warmup: number;
  threads: number;
  optimizer: 'adamw' | 'sgd';
  python?: string | null;
}

export interface TrainBenchRow {
  model: string;
  config: string;
  batch: number;
  size: number;
  threads: number;
  optimizer: string;
  train_ips: number;
  torch_train_ips: number | null;
  ratio: number | null;
  torch_version: string | null;
}

export async function benchTrain(o: TrainBenchOptions): Promise<TrainBenchRow> {
  const config = { num_classes: 10, ...o.config };
  const model = new Model(o.name, { config });
  model.setParams(initialParams(model.entry.family, model.paramSpecs(), 0, 0.5));
  model.training.setOptimizer(o.optimizer === 'adamw' ? { kind: 'adamw', weightDecay: 0.05 } : { kind: 'sgd', momentum: 0.9, nesterov: true, weightDecay: 0.05 });
  const rng = mulberry32(1);
  const x: Tensor = { shape: [o.batch, o.size, o.size, 3], data: Float32Array.from({ length: o.batch * o.size * o.size * 3 }, rng) };
  const labels = Array.from({ length: o.batch }, (_, i) => i % Number(config.num_classes));
  const step = async () => {
    await model.training.trainBatch(x, { labels, labelSmoothing: 0.1 });
    model.training.optimizerStep(1e-3);
  };
  for (let i = 0; i < o.warmup; i++) await step();
  const ts: number[] = [];
  for (let i = 0; i < o.reps; i++) {
    const t0 = performance.now();
    await step();
    ts.push((performance.now() - t0) / 1000);
  }
  ts.sort((a, b) => a - b);
  const row: TrainBenchRow = {
    model: o.name,
    config: JSON.stringify(o.config),
    batch: o.batch,
    size: o.size,
    threads: o.threads,
    optimizer: o.optimizer,
    train_ips: o.batch / ts[Math.floor(ts.length / 2)]!,
    torch_train_ips: null,
    ratio: null,
    torch_version: null,
  };
  if (o.python) {
    const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/bench/torch_train.py');
    const args = { name: o.name, family: model.entry.family, batch: o.batch, size: o.size, threads: o.threads, reps: o.reps, warmup: o.warmup, config: model.config, optimizer: o.optimizer };
    const t = await runAnchor<{ torch: string; step_s: number; state_numel: number }>(o.python, script, args);
    checkSameModel(model, t.state_numel, 'torch_train.py');
    row.torch_train_ips = o.batch / t.step_s;
    row.ratio = row.train_ips / row.torch_train_ips;
    row.torch_version = t.torch;
  }
  return row;
}
