// Model throughput: images/s forward and input-gradient on random weights, beside PyTorch's in the same run.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Model } from '../models/model.js';
import type { Tensor } from '../native.js';
import { mulberry32 } from '../util/rng.js';
import { checkSameModel, runAnchor } from './oracle.js';
import { profiled, totalMacs, type OpProfileRow } from './profile.js';

export interface ModelBenchOptions {
  name: string;
  batch: number;
  size?: number;
  reps: number;
  warmup: number;
  threads: number;
  python?: string | null; // the oracle's python for the PyTorch anchor
  modelOptions?: Record<string, number>;
  /** 'cpu' (default) or 'cuda[:N]': ours and PyTorch's both run there. */
  device?: string;
  /** The CPU's measured FMA peak (GFLOP/s): the rows then say which fraction of the model's limit each side reaches. */
  peakGflops?: number | null;
}

export interface ModelBenchRow {
  model: string;
  batch: number;
  size: number;
  threads: number;
  device: string;
  forward_ips: number;
  grad_ips: number;
  torch_forward_ips: number | null;
  torch_grad_ips: number | null;
  ratio_forward: number | null;
  ratio_grad: number | null;
  torch_version: string | null;
  /** Multiply-accumulates per image of one forward / one input gradient, counted by the engine's profiler. */
  gmacs_forward: number;
  gmacs_grad: number;
  /** img/s as a fraction of the limit peak / (2 x MACs per image), ours and PyTorch's (CPU with a peak only). */
  limit_forward: number | null;
  limit_grad: number | null;
  torch_limit_forward: number | null;
  torch_limit_grad: number | null;
  /** Per-op profile of one forward and one input-gradient pass. */
  profile: { forward: OpProfileRow[]; grad: OpProfileRow[] };
}

/** Random weights with sane scales (fan-in init; BN/LN/GN scales near 1, running variances positive). */
export function randomParams(model: Model, seed = 0): Record<string, Tensor> {
  const rng = mulberry32(seed);
  const out: Record<string, Tensor> = {};
  for (const { name, shape } of model.paramSpecs()) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const leaf = name.split('.').pop()!;
    const fanIn = shape.length > 1 ? shape.slice(1).reduce((a, b) => a * b, 1) : 1;
    for (let i = 0; i < n; i++) {
      const u = rng() * 2 - 1;
      if (leaf === 'running_var') data[i] = 0.5 + rng();
      else if (leaf === 'running_mean' || leaf === 'bias') data[i] = 0.1 * u;
      else if (shape.length === 1) data[i] = 1 + 0.1 * u; // norm scales, layer scales
      else data[i] = u * Math.sqrt(3 / fanIn);
    }
    out[name] = { shape, data };
  }
  return out;
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

export async function benchModel(o: ModelBenchOptions): Promise<ModelBenchRow> {
  const model = new Model(o.name, { options: o.modelOptions, device: o.device });
  model.setParams(randomParams(model));
  const size = o.size ?? model.entry.preprocess.inputSize;
  const rng = mulberry32(1);
  const x: Tensor = { shape: [o.batch, size, size, 3], data: Float32Array.from({ length: o.batch * size * size * 3 }, rng) };
  const classes = Math.max(model.entry.numClasses, 1);
  const labels = Array.from({ length: o.batch }, (_, i) => i % classes);
  const gradPass =
    model.entry.numClasses > 0
      ? () => model.inputGradient(x, { labels })
      : async () => {
          const { logits } = await model.forward(x);
          return model.inputGradient(x, { dlogits: { shape: logits.shape, data: new Float32Array(logits.data.length).fill(1) } });
        };
  const fwd = await median(() => model.forward(x), o.warmup, o.reps);
  const grad = await median(gradPass, o.warmup, o.reps);
  // one more pass of each, counted (outside the timed ones: the counting costs a clock read per op)
  const fwdProfile = (await profiled(() => model.forward(x))).rows;
  const gradProfile = (await profiled(gradPass)).rows;
  const gmacsForward = totalMacs(fwdProfile) / o.batch / 1e9;
  const gmacsGrad = totalMacs(gradProfile) / o.batch / 1e9;
  const peak = (o.device ?? 'cpu') === 'cpu' && o.peakGflops && Number.isFinite(o.peakGflops) ? o.peakGflops : null;
  const limit = (ips: number | null, gmacs: number) => (peak && ips !== null && gmacs > 0 ? (ips * 2 * gmacs) / peak : null);
  const row: ModelBenchRow = {
    model: o.name,
    batch: o.batch,
    size,
    threads: o.threads,
    device: o.device ?? 'cpu',
    forward_ips: o.batch / fwd,
    grad_ips: o.batch / grad,
    torch_forward_ips: null,
    torch_grad_ips: null,
    ratio_forward: null,
    ratio_grad: null,
    torch_version: null,
    gmacs_forward: gmacsForward,
    gmacs_grad: gmacsGrad,
    limit_forward: limit(o.batch / fwd, gmacsForward),
    limit_grad: limit(o.batch / grad, gmacsGrad),
    torch_limit_forward: null,
    torch_limit_grad: null,
    profile: { forward: fwdProfile, grad: gradProfile },
  };
  if (o.python) {
    const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/bench/torch_model.py');
    const args = { name: o.name, family: model.entry.family, batch: o.batch, size, threads: o.threads, reps: o.reps, warmup: o.warmup, config: model.config, device: o.device ?? 'cpu' };
    const t = await runAnchor<{ torch: string; forward_s: number; grad_s: number; state_numel: number }>(o.python, script, args);
    checkSameModel(model, t.state_numel, 'torch_model.py');
    row.torch_forward_ips = o.batch / t.forward_s;
    row.torch_grad_ips = o.batch / t.grad_s;
    row.ratio_forward = row.forward_ips / row.torch_forward_ips;
    row.ratio_grad = row.grad_ips / row.torch_grad_ips;
    row.torch_version = t.torch;
    row.torch_limit_forward = limit(row.torch_forward_ips, gmacsForward);
    row.torch_limit_grad = limit(row.torch_grad_ips, gmacsGrad);
  }
  return row;
}
