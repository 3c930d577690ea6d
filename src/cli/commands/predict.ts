// `lkrobust predict`: top-k classes for images (or a .npy batch), logits and input gradients to .npy.

import type { Argv } from 'yargs';

import { loadImages } from '../../data/preprocess.js';
import { writeNpy } from '../../data/npy.js';
import { INPUT_RANGES, type InputRange, readNpyInput } from '../../data/npy_input.js';
import { imagenet1kNames } from '../../data/reference_data.js';
import { Model } from '../../models/model.js';
import type { Tensor } from '../../native.js';
import { modelOptionsFrom, modelArgs, resolveWeightsFile } from './model_args.js';

export interface PredictArgs {
  model: string;
  weights: string;
  images?: string[];
  input?: string;
  inputRange?: InputRange;
  top: number;
  json: boolean;
  outLogits?: string;
  inputGrad?: string;
  labels?: string;
  kernelSize?: number;
  entry?: string;
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

function topk(row: Float32Array, k: number): { index: number; logit: number; prob: number }[] {
  let max = -Infinity;
  for (const v of row) max = Math.max(max, v);
  let sum = 0;
  for (const v of row) sum += Math.exp(v - max);
  return Array.from(row.keys())
    .sort((a, b) => row[b] - row[a] || a - b)
    .slice(0, k)
    .map((index) => ({ index, logit: row[index], prob: Math.exp(row[index] - max) / sum }));
}

function npyInput(file: string, range: InputRange | undefined): { x: Tensor; names: string[] } {
  const x = readNpyInput(file, range);
  return { x, names: Array.from({ length: x.shape[0] }, (_, i) => `${file}[${i}]`) };
}

export async function loadInput(
  args: { images?: string[]; input?: string; inputRange?: InputRange },
  model: Model,
): Promise<{ x: Tensor; names: string[] }> {
  if (args.input) return npyInput(args.input, args.inputRange);
  const files = args.images ?? [];
  if (!files.length) throw new RangeError('predict: give image files, or --input x.npy');
  return { x: await loadImages(files, model.entry.preprocess), names: files };
}

export const predictCommand = {
  command: 'predict [images..]',
  describe: 'Classify images (or a .npy batch) with a model and its weights; optionally write logits and input gradients',
  builder: (y: Argv) =>
    modelArgs(y)
      .positional('images', { type: 'string', array: true, describe: 'image files (JPEG, PNG, WebP, ...)' })
      .option('input', { type: 'string', describe: 'a float32 .npy of shape (N, H, W, 3) in [0, 1]: bypasses preprocessing' })
      .option('input-range', {
        choices: INPUT_RANGES,
        default: '0-1',
        describe: 'how --input values are read: 0-1 (refused outside), 0-255 (divided by 255), as-is (no check)',
      })
      .option('top', { type: 'number', default: 5, describe: 'how many classes to show per image' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' })
      .option('out-logits', { type: 'string', describe: 'write the logits (N, classes) as float32 .npy' })
      .option('input-grad', {
        type: 'string',
        describe: 'write d(sum of cross-entropy)/dx in the input layout (N, H, W, 3) as .npy',
      })
      .option('labels', { type: 'string', describe: 'comma-separated labels for --input-grad (default: the predicted ones)' })
      .example('$0 predict --model resnet50 --weights resnet50.safetensors cat.jpg', 'top-5 classes')
      .example('$0 predict --model vit_base_patch16_224 --weights vit.pth --input x.npy --input-grad g.npy --labels 3,17', 'gradients for given labels'),
  handler: async (argv: PredictArgs) => {
    // A .npy input is checked before any weights are read or fetched: a bad batch fails in milliseconds.
    const early = argv.input ? npyInput(argv.input, argv.inputRange) : null;
    const model = new Model(argv.model, modelOptionsFrom(argv));
    argv = { ...argv, weights: await resolveWeightsFile(argv.model, argv.weights) };
    model.loadWeights(argv.weights, argv.entry ? { entry: argv.entry } : {});
    const { x, names } = early ?? (await loadInput(argv, model));
    const { logits } = await model.forward(x);
    const n = logits.shape[0];
    const k = logits.shape[1];
    const rows = Array.from({ length: n }, (_, i) => logits.data.subarray(i * k, (i + 1) * k));
    if (argv.outLogits) writeNpy(argv.outLogits, logits.shape, logits.data);
    let labels: number[] | undefined;
    if (argv.inputGrad) {
      labels = argv.labels ? argv.labels.split(',').map((s) => Number(s.trim())) : rows.map(argmax);
      if (labels.length !== n || labels.some((l) => !Number.isInteger(l) || l < 0 || l >= k)) {
        throw new RangeError(`--labels: expected ${n} integers in [0, ${k}), received "${argv.labels}"`);
      }
      const { grad } = await model.inputGradient(x, { labels });
      writeNpy(argv.inputGrad, grad.shape, grad.data);
    }
    const classNames = k === 1000 ? imagenet1kNames() : null;
    const results = rows.map((row, i) => ({
      input: names[i],
      top: topk(row, Math.min(argv.top, k)).map((t) => ({ ...t, name: classNames?.[t.index] ?? null })),
      ...(labels ? { label: labels[i] } : {}),
    }));
    if (argv.json) {
      process.stdout.write(JSON.stringify({ model: model.name, weights: argv.weights, results }, null, 2) + '\n');
    } else {
      for (const r of results) {
        process.stdout.write(`${r.input}\n`);
        for (const t of r.top) {
          process.stdout.write(`  ${String(t.index).padStart(4)}  ${(100 * t.prob).toFixed(2).padStart(6)}%  ${t.name ?? ''}\n`);
        }
      }
    }
  },
};

