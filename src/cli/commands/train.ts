// `lkrobust train`: trains a registry model (or a small configuration of it) on an image folder with the native
// engine, checkpointing every epoch; rerunning the same command resumes from the last checkpoint.
import type { Argv } from 'yargs';

import type { ConfigValue } from '../../models/registry.js';
import { loadSplit } from '../../train/data.js';
import { train, type TrainConfig } from '../../train/run.js';
import { checkSchedule } from '../../train/schedule.js';
import { gracefulStop } from '../graceful_stop.js';
import { Progress } from '../progress.js';

export interface TrainArgs {
  model: string;
  kernelSize?: number;
  config?: string;
  data: string;
  out: string;
  epochs: number;
  batch: number;
  accum: number;
  lr: number;
  lrMin: number;
  warmupEpochs: number;
  optimizer: string;
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
  labelSmoothing: number;
  dropPath: number;
  ema: number;
  size: number;
  pad: number;
  flip: boolean;
  seed: number;
  limitPerClass: number;
  json: boolean;
}

function argError(msg: string): Error {
  return Object.assign(new RangeError(msg), { code: 'LKR_ARG' });
}

function parseConfig(text: string | undefined): Record<string, ConfigValue> {
  if (!text) return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw argError(`--config: not JSON (${(e as Error).message}); example: '{"depths":[1,1,3,1],"dims":[32,64,128,256]}'`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw argError('--config: expected a JSON object of graph config keys');
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const ok = typeof x === 'number' || typeof x === 'string' || (Array.isArray(x) && x.every((e) => typeof e === 'number'));
    if (!ok) throw argError(`--config: key "${k}" must be a number, string or number array`);
  }
  return v as Record<string, ConfigValue>;
}

export function trainConfigFrom(argv: TrainArgs): TrainConfig {
  const posInt = (name: string, v: number, min = 1) => {
    if (!Number.isInteger(v) || v < min) throw argError(`--${name}: expected an integer >= ${min}, received ${v}`);
  };
  posInt('epochs', argv.epochs);
  posInt('batch', argv.batch, 2);
  posInt('accum', argv.accum);
  posInt('pad', argv.pad, 0);
  if (argv.optimizer !== 'sgd' && argv.optimizer !== 'adamw') throw argError(`--optimizer: expected sgd or adamw, received ${argv.optimizer}`);
  if (!(argv.lr > 0)) throw argError(`--lr: expected > 0, received ${argv.lr}`);
  if (!(argv.labelSmoothing >= 0 && argv.labelSmoothing < 1)) throw argError('--label-smoothing: expected a value in [0, 1)');
  if (!(argv.dropPath >= 0 && argv.dropPath < 1)) throw argError('--drop-path: expected a value in [0, 1)');
  if (!(argv.ema === 0 || (argv.ema > 0 && argv.ema < 1))) throw argError('--ema: expected 0 (off) or a decay in (0, 1)');
  return {
    model: argv.model,
    kernelSize: argv.kernelSize,
    config: parseConfig(argv.config),
    epochs: argv.epochs,
    batch: argv.batch,
    accum: argv.accum,
    lr: argv.lr,
    lrMin: argv.lrMin,
    warmupEpochs: argv.warmupEpochs,
    optimizer:
      argv.optimizer === 'sgd'
        ? { kind: 'sgd', momentum: argv.momentum, nesterov: argv.nesterov && argv.momentum > 0, weightDecay: argv.weightDecay, emaDecay: argv.ema }
        : { kind: 'adamw', weightDecay: argv.weightDecay, emaDecay: argv.ema },
    labelSmoothing: argv.labelSmoothing,
    dropPath: argv.dropPath,
    augment: { pad: argv.pad, flip: argv.flip },
    seed: argv.seed,
  };
}

export function trainArgs<T>(y: Argv<T>) {
  return y
    .option('kernel-size', { type: 'number', describe: 'ConvNeXt depthwise kernel size (odd)' })
    .option('config', { type: 'string', describe: 'graph config keys as JSON, e.g. a small ConvNeXt: {"depths":[1,1,3,1],"dims":[32,64,128,256]}' })
    .option('data', { type: 'string', demandOption: true, describe: 'image folder with train/<class>/ and val/<class>/ (`lkrobust data fashion-mnist` writes one)' })
    .option('epochs', { type: 'number', default: 10 })
    .option('batch', { type: 'number', default: 64, describe: 'images per forward/backward' })
    .option('accum', { type: 'number', default: 1, describe: 'batches per optimiser step (gradient accumulation)' })
    .option('optimizer', { type: 'string', default: 'adamw', choices: ['sgd', 'adamw'] })
    .option('lr', { type: 'number', default: 2e-3, describe: 'peak learning rate (after warm-up)' })
    .option('lr-min', { type: 'number', default: 1e-5, describe: 'floor of the cosine schedule' })
    .option('warmup-epochs', { type: 'number', default: 1, describe: 'linear warm-up from lr/100, in epochs' })
    .option('momentum', { type: 'number', default: 0.9, describe: 'SGD momentum' })
    .option('nesterov', { type: 'boolean', default: true, describe: 'SGD Nesterov momentum' })
    .option('weight-decay', { type: 'number', default: 0.05, describe: 'decoupled (AdamW) or L2 (SGD); never on norms and biases' })
    .option('label-smoothing', { type: 'number', default: 0.1 })
    .option('drop-path', { type: 'number', default: 0, describe: 'stochastic depth rate of the deepest block' })
    .option('ema', { type: 'number', default: 0, describe: 'keep an EMA of the weights with this decay (0 = off)' })
    .option('size', { type: 'number', default: 32, describe: 'training and evaluation image side (images are resized to it once)' })
    .option('pad', { type: 'number', default: 4, describe: 'pad-and-crop augmentation padding (0 = none)' })
    .option('flip', { type: 'boolean', default: true, describe: 'random horizontal flips' })
    .option('seed', { type: 'number', default: 0, describe: 'seeds the weights, batch order, augmentation and drop-path' })
    .option('limit-per-class', { type: 'number', default: 0, describe: 'use at most this many images per class and split (0 = all)' });
}

export const trainCommand = {
  command: 'train',
  describe: 'Train a model on an image folder with the native engine (checkpoint per epoch; rerun to resume)',
  builder: (y: Argv) =>
    trainArgs(y)
      .option('model', { type: 'string', demandOption: true, describe: 'registry name (`lkrobust models`), e.g. convnext_tiny, resnet50' })
      .option('out', { type: 'string', demandOption: true, describe: 'run folder: checkpoints/, model.safetensors, train_log.json' })
      .option('json', { type: 'boolean', default: false, describe: 'print the final log as JSON' })
      .example(
        `$0 train --model convnext_tiny --config '{"depths":[1,1,3,1],"dims":[32,64,128,256]}' --kernel-size 7 --data data/fmnist --epochs 5 --batch 64 --out runs/cnx7`,
        'a small ConvNeXt on Fashion-MNIST',
      )
      .example('$0 train --model resnet50 --config \'{"layers":[1,1,1,1]}\' --optimizer sgd --lr 0.1 --data data/fmnist --out runs/r', 'a small ResNet with SGD'),
  handler: async (argv: TrainArgs) => {
    const cfg = trainConfigFrom(argv);
    checkSchedule({ lr: cfg.lr, totalSteps: 2, warmupSteps: 0, warmupLrInit: 0, lrMin: cfg.lrMin });
    const loadBar = new Progress('loading');
    const t0 = Date.now();
    const rate = (d: number) => d / Math.max((Date.now() - t0) / 1000, 1e-3);
    const trainSet = await loadSplit(argv.data, 'train', argv.size, argv.limitPerClass, (d, t) => loadBar.update({ done: d, total: t, rate: rate(d), note: 'train' }));
    const valSet = await loadSplit(argv.data, 'val', argv.size, argv.limitPerClass, (d, t) => loadBar.update({ done: d, total: t, rate: rate(d), note: 'val' }));
    if (valSet.classes.join('/') !== trainSet.classes.join('/')) throw argError(`${argv.data}: train/ and val/ have different class folders`);
    const log = (s: string) => process.stderr.write(s + '\n');
    const stop = gracefulStop(log);
    let bar: Progress | null = null;
    try {
      const r = await train(cfg, trainSet, valSet, argv.out, {
        stop: stop.requested,
        onResume: (e) => log(`train: resuming after epoch ${e} from ${argv.out}/checkpoints`),
        onBatch: (p) => {
          bar ??= new Progress(`epoch ${p.epoch + 1}/${cfg.epochs}`);
          bar.update({ done: p.done * cfg.batch, total: p.total * cfg.batch, rate: p.imagesPerSecond, note: `loss ${p.loss.toFixed(4)} acc ${(100 * p.acc).toFixed(1)}%` });
        },
        onEpoch: (e) => {
          bar = null;
          log(`epoch ${e.epoch}: train loss ${e.trainLoss.toFixed(4)} acc ${(100 * e.trainAcc).toFixed(2)}% | val acc ${e.valAcc === null ? '-' : (100 * e.valAcc).toFixed(2) + '%'} | ${e.imagesPerSecond.toFixed(1)} img/s, ${e.seconds.toFixed(1)} s`);
        },
      });
      if (r.stopped) {
        log(`train: stopped; rerun the same command to resume from epoch ${r.state.epoch}`);
        return;
      }
      if (argv.json) process.stdout.write(JSON.stringify({ weights: r.weightsFile, epochs: r.state.log }, null, 2) + '\n');
      else process.stdout.write(`weights: ${r.weightsFile}\nlog: ${argv.out}/train_log.json\n`);
    } finally {
      stop.release();
    }
  },
};
