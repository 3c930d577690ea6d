// One training run: fresh weights (or the last checkpoint), epochs of seeded augmented batches with gradient
// accumulation and a per-step cosine schedule, evaluation on val after each epoch, a checkpoint per epoch, and
// a JSON log. Deterministic for a given seed and thread count: the batch order and augmentation of every
// epoch are functions of (seed, epoch, batch), and a resume restarts the interrupted epoch from its start.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { Model, type OptimizerOptions } from '../models/model.js';
import type { ConfigValue } from '../models/registry.js';
import { makeBatch, permutation, streamSeed, type AugmentOptions } from './augment.js';
import { saveCheckpoint, loadCheckpoint, type EpochLog, type TrainState } from './checkpoint.js';
import type { ImageSet } from './data.js';
import { initialParams } from './init.js';
import { cosineLr } from './schedule.js';

export interface TrainConfig {
  model: string;
  kernelSize?: number;
  config: Record<string, ConfigValue>;
  epochs: number;
  batch: number;
  /** Micro-batches per optimiser step. */
  accum: number;
  lr: number;
  lrMin: number;
  warmupEpochs: number;
  optimizer: OptimizerOptions;
  labelSmoothing: number;
  dropPath: number;
  augment: AugmentOptions;
  seed: number;
}

export interface TrainEvents {
  onBatch?: (p: { epoch: number; done: number; total: number; loss: number; acc: number; imagesPerSecond: number }) => void;
  onEpoch?: (e: EpochLog) => void;
  onResume?: (epoch: number) => void;
  /** Checked between batches: true stops the run (the last epoch's checkpoint stays). */
  stop?: () => boolean;
}

export interface TrainResult {
  state: TrainState;
  weightsFile: string;
  stopped: boolean;
}

export function fingerprint(cfg: TrainConfig, train: ImageSet): string {
  const h = createHash('sha256');
  h.update(JSON.stringify(cfg));
  h.update(String(train.labels.length));
  h.update(createHash('sha256').update(train.pixels).digest());
  return h.digest('hex').slice(0, 16);
}

export function buildModel(cfg: TrainConfig, classes: number): Model {
  const options: Record<string, number> = {};
  if (cfg.kernelSize !== undefined) options.kernelSize = cfg.kernelSize;
  return new Model(cfg.model, { options, config: { ...cfg.config, num_classes: classes } });
}

export async function evaluate(model: Model, set: ImageSet, batch: number): Promise<{ acc: number; loss: number }> {
  let right = 0;
  let loss = 0;
  const all = Int32Array.from({ length: set.labels.length }, (_, i) => i);
  for (let i = 0; i < all.length; i += batch) {
    const idx = all.subarray(i, Math.min(all.length, i + batch));
    const { x, labels } = makeBatch(set, idx, null, 0);
    const { logits } = await model.forward(x);
    const K = logits.shape[1]!;
    for (let n = 0; n < labels.length; n++) {
      const row = logits.data.subarray(n * K, (n + 1) * K);
      let best = 0;
      let mx = -Infinity;
      for (let k = 0; k < K; k++) if (row[k]! > mx) [mx, best] = [row[k]!, k];
      let se = 0;
      for (let k = 0; k < K; k++) se += Math.exp(row[k]! - mx);
      loss += mx + Math.log(se) - row[labels[n]!]!;
      right += best === labels[n] ? 1 : 0;
    }
  }
  return { acc: right / set.labels.length, loss: loss / set.labels.length };
}

export async function train(cfg: TrainConfig, trainSet: ImageSet, valSet: ImageSet | null, out: string, ev: TrainEvents = {}): Promise<TrainResult> {
  mkdirSync(out, { recursive: true });
  const model = buildModel(cfg, trainSet.classes.length);
  model.training.setOptimizer(cfg.optimizer);
  const fp = fingerprint(cfg, trainSet);
  let state: TrainState = { epoch: 0, step: 0, fingerprint: fp, log: [] };
  const ck = loadCheckpoint(out);
  if (ck) {
    if (ck.state.fingerprint !== fp) {
      const e = new Error(`${out}: holds a run with other options or data (fingerprint ${ck.state.fingerprint}, this run ${fp}); use another --out`);
      (e as Error & { code: string }).code = 'LKR_TRAIN_MISMATCH';
      throw e;
    }
    state = ck.state;
    model.setParams(ck.weights);
    const opt: Record<string, typeof ck.extra[string]> = {};
    const ema: Record<string, typeof ck.extra[string]> = {};
    for (const [k, v] of Object.entries(ck.extra)) {
      if (k.startsWith('optim/')) opt[k.slice(6)] = v;
      else if (k.startsWith('ema/')) ema[k.slice(4)] = v;
    }
    model.training.loadOptimizerState(opt);
    if (Object.keys(ema).length) model.training.loadEmaParams(ema);
    ev.onResume?.(state.epoch);
  } else {
    model.setParams(initialParams(model.entry.family, model.paramSpecs(), cfg.seed));
  }
  const n = trainSet.labels.length;
  const micro = cfg.batch;
  const perEpochBatches = Math.floor(n / micro); // the last partial batch is dropped (drop_last)
  if (perEpochBatches < cfg.accum) throw new RangeError(`train: ${n} images give fewer than --accum ${cfg.accum} batches of ${micro}`);
  const stepsPerEpoch = Math.floor(perEpochBatches / cfg.accum);
  const totalSteps = stepsPerEpoch * cfg.epochs;
  const sched = {
    lr: cfg.lr,
    totalSteps,
    warmupSteps: Math.min(totalSteps - 1, Math.round(cfg.warmupEpochs * stepsPerEpoch)),
    warmupLrInit: cfg.lr * 0.01,
    lrMin: cfg.lrMin,
  };
  const meta = { model: cfg.model, config: JSON.stringify(buildConfigMeta(cfg, trainSet)), classes: JSON.stringify(trainSet.classes) };
  let stopped = false;
  for (let epoch = state.epoch; epoch < cfg.epochs && !stopped; epoch++) {
    const order = permutation(n, streamSeed(cfg.seed, epoch, 0xe90c));
    const t0 = Date.now();
    let lossSum = 0;
    let right = 0;
    let seen = 0;
    let lr = sched.lr;
    for (let b = 0; b < stepsPerEpoch * cfg.accum; b++) {
      if (ev.stop?.()) {
        stopped = true;
        break;
      }
      const idx = order.subarray(b * micro, (b + 1) * micro);
      const { x, labels } = makeBatch(trainSet, idx, cfg.augment, streamSeed(cfg.seed, epoch, b + 1));
      const r = await model.training.trainBatch(x, {
        labels,
        labelSmoothing: cfg.labelSmoothing,
        dropPath: cfg.dropPath,
        seed: streamSeed(cfg.seed, epoch, b + 1, 0xd00d) & 0x7fffffff, // the binding takes an int32
      });
      lossSum += r.loss * labels.length;
      right += r.correct;
      seen += labels.length;
      if ((b + 1) % cfg.accum === 0) {
        lr = cosineLr(sched, state.step);
        model.training.optimizerStep(lr);
        state.step++;
      }
      const secs = (Date.now() - t0) / 1000;
      ev.onBatch?.({ epoch, done: b + 1, total: stepsPerEpoch * cfg.accum, loss: lossSum / seen, acc: right / seen, imagesPerSecond: seen / Math.max(secs, 1e-9) });
    }
    if (stopped) break;
    const secs = (Date.now() - t0) / 1000;
    const val = valSet ? await evaluate(model, valSet, Math.max(micro, 64)) : null;
    const entry: EpochLog = {
      epoch: epoch + 1,
      trainLoss: lossSum / seen,
      trainAcc: right / seen,
      valAcc: val ? val.acc : null,
      valLoss: val ? val.loss : null,
      lr,
      seconds: secs,
      imagesPerSecond: seen / Math.max(secs, 1e-9),
    };
    state = { ...state, epoch: epoch + 1, log: [...state.log, entry] };
    const extra: Record<string, ReturnType<Model['getParams']>[string]> = {};
    for (const [k, v] of Object.entries(model.training.optimizerState())) extra['optim/' + k] = v;
    if (cfg.optimizer.emaDecay) for (const [k, v] of Object.entries(model.training.emaParams())) extra['ema/' + k] = v;
    saveCheckpoint(out, state, model.getParams(), extra, meta);
    writeLog(out, cfg, trainSet, fp, state);
    ev.onEpoch?.(entry);
  }
  const weightsFile = path.join(out, 'model.safetensors');
  if (!stopped && state.epoch === cfg.epochs) {
    copyFileSync(path.join(out, 'checkpoints', `epoch-${String(state.epoch).padStart(3, '0')}.safetensors`), weightsFile);
    writeLog(out, cfg, trainSet, fp, state);
  }
  return { state, weightsFile, stopped };
}

// The run's JSON log (rewritten whole after every epoch): options, data, and one entry per finished epoch.
function writeLog(out: string, cfg: TrainConfig, set: ImageSet, fp: string, state: TrainState): void {
  const file = path.join(out, 'train_log.json');
  writeFileSync(file + '.tmp', JSON.stringify({ ...buildConfigMeta(cfg, set), fingerprint: fp, finished: state.epoch === cfg.epochs, steps: state.step, epochs: state.log }, null, 2) + '\n');
  renameSync(file + '.tmp', file);
}

function buildConfigMeta(cfg: TrainConfig, set: ImageSet) {
  return { train: cfg, classes: set.classes, images: set.labels.length, size: set.size };
}
