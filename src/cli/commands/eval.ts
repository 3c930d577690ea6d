// `lkrobust eval`: a benchmark end to end, resumable, shardable, with results.json (the source of truth) and CSV.
import path from 'node:path';

import type { Argv } from 'yargs';

import { gracefulStop } from '../graceful_stop.js';
import { parseShard } from '../../data/select.js';
import { pixelSettings } from '../../data/preprocess.js';
import { readFileSync } from 'node:fs';
import { Model, sha256File } from '../../models/model.js';
import { BENCHMARKS, type BenchmarkName, prepareBenchmark } from '../../robustness/benchmarks.js';
import { runEval } from '../../robustness/eval.js';
import type { UnitRecord } from '../../robustness/benchmarks.js';
import { toCsv } from '../../report/csv.js';
import { RunDir } from '../../report/run_dir.js';
import type { PBaseline } from '../../metrics/imagenet_p.js';
import { Progress } from '../progress.js';
import { frostFromDir, proceduralFrost } from '../../corrupt/frost.js';
import type { GenerateOptions } from '../../corrupt/generated.js';
import { paramsSource, parseCorruptions } from '../../corrupt/params.js';
import { modelArgs, modelOptionsFrom, resolveWeightsFile } from './model_args.js';

export interface EvalArgs {
  model: string;
  weights: string;
  entry?: string;
  kernelSize?: number;
  benchmark: BenchmarkName;
  data: string;
  batch: number;
  limit?: number;
  shard?: string;
  out?: string;
  json: boolean;
  valDir?: string;
  cleanError?: number;
  baseline?: string;
  difficulty: number;
  generate?: boolean;
  seed?: number;
  frostDir?: string;
  corruptions?: string;
  exifRotate?: boolean;
  colorManage?: boolean;
}

/** Reads an ImageNet-P baseline: an `eval` results.json of the baseline model, or {perturbation: {fp, t5d}}. */
export function readPBaseline(file: string): PBaseline {
  const j = JSON.parse(readFileSync(file, 'utf8')) as { rows?: { perturbation?: string; fp?: number; ut5d?: number }[] } & PBaseline;
  if (Array.isArray(j.rows)) {
    const out: PBaseline = {};
    for (const r of j.rows) if (r.perturbation && typeof r.fp === 'number' && typeof r.ut5d === 'number') out[r.perturbation] = { fp: r.fp, t5d: r.ut5d };
    return out;
  }
  return j;
}

/** `--generate`: ImageNet-C made in memory from the val folder (same bytes as `lkrobust corrupt` writes). */
async function generateOptions(argv: EvalArgs): Promise<GenerateOptions | undefined> {
  if (!argv.generate) {
    if (argv.seed !== undefined || argv.frostDir !== undefined || argv.corruptions !== undefined) {
      throw new RangeError('--seed, --frost-dir and --corruptions apply with --generate (imagenet-c made on the fly)');
    }
    return undefined;
  }
  if (argv.benchmark !== 'imagenet-c') throw new RangeError(`--generate makes ImageNet-C on the fly; it does not apply to ${argv.benchmark}`);
  const seed = argv.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`--seed: expected a non-negative integer, received ${seed}`);
  return {
    seed,
    frost: argv.frostDir ? await frostFromDir(argv.frostDir, 224) : proceduralFrost(224),
    corruptions: parseCorruptions(argv.corruptions ?? 'all'),
  };
}

export async function evalMain(argv: EvalArgs, log: (s: string) => void = (s) => process.stderr.write(s + '\n')) {
  argv = { ...argv, weights: await resolveWeightsFile(argv.model, argv.weights, { json: argv.json }) };
  const shard = argv.shard ? parseShard(argv.shard) : undefined;
  const generate = await generateOptions(argv);
  const bench = prepareBenchmark(argv.benchmark, argv.data, {
    limit: argv.limit,
    shard,
    valDir: argv.valDir,
    cleanError: argv.cleanError,
    baseline: argv.baseline ? readPBaseline(argv.baseline) : undefined,
    difficulty: argv.difficulty,
    generate,
  });
  const model = new Model(argv.model, modelOptionsFrom(argv));
  model.loadWeights(argv.weights, argv.entry ? { entry: argv.entry } : {});
  const weightsSha = await sha256File(argv.weights);
  const out = argv.out ?? path.join('runs', `${argv.model}-${argv.benchmark}${shard ? `-shard${shard.index}of${shard.count}` : ''}`);
  const config = {
    model: argv.model,
    model_config: model.config,
    weights_sha256: weightsSha,
    benchmark: argv.benchmark,
    data: path.resolve(argv.data),
    batch: argv.batch,
    limit: argv.limit ?? null,
    shard: argv.shard ?? null,
    val_dir: argv.valDir ? path.resolve(argv.valDir) : null,
    difficulty: argv.difficulty,
    pixels: pixelSettings(model.entry.preprocess, { exifRotate: argv.exifRotate, colorManage: argv.colorManage }),
    ...(generate
      ? { generate: { seed: generate.seed, frost: generate.frost.describe, corruptions: generate.corruptions, params_source: paramsSource() } }
      : {}),
  };
  const run = new RunDir<UnitRecord>(out, config);
  const stop = gracefulStop(log);
  const progress = new Progress(`${argv.model} ${argv.benchmark}`, { plain: argv.json });
  log(`lkrobust: ${bench.units.length} images, batch ${argv.batch}, results in ${out}`);
  const r = await runEval(model, bench, run, {
    batchSize: argv.batch,
    load: { exifRotate: argv.exifRotate, colorManage: argv.colorManage },
    shouldStop: stop.requested,
    onProgress: (p) => progress.update({ done: p.done, total: p.total, rate: p.imagesPerSecond, note: `engine busy ${(100 * p.engineBusy).toFixed(0)}%` }),
  });
  stop.release();
  const results = {
    model: argv.model,
    weights_sha256: weightsSha,
    benchmark: argv.benchmark,
    config,
    rows: r.rows,
    summary: r.summary,
    complete: r.complete,
    images: r.images,
    failed_images: r.failed,
    data: bench.dataInfo,
    timing: r.timing,
  };
  run.write('results.json', JSON.stringify(results, null, 2) + '\n');
  run.write('results.csv', toCsv(r.rows as unknown as Record<string, unknown>[]));
  if (r.failed.length) log(`lkrobust: ${r.failed.length} unreadable image(s) skipped (listed in results.json failed_images), e.g. ${r.failed[0].error}`);
  if (!r.complete) log('lkrobust: stopped early: results.json holds what finished (complete: false); rerun to resume');
  return { results, out };
}

export const evalCommand = {
  command: 'eval',
  describe: 'Evaluate a model on a robustness benchmark (ImageNet val, -A, -R, -O, -C, -P, -9); resumable and shardable',
  builder: (y: Argv) =>
    modelArgs(y)
      .option('benchmark', { choices: BENCHMARKS, demandOption: true, describe: 'which benchmark' })
      .option('data', { type: 'string', demandOption: true, describe: 'the benchmark folder in its released layout (imagenet-p: the .mp4 videos, read with ffmpeg, or decoded frame folders)' })
      .option('batch', { type: 'number', default: 32, describe: 'images per engine call' })
      .option('limit', { type: 'number', describe: 'at most N images (per corruption and severity for -C, per variation for -9)' })
      .option('shard', { type: 'string', describe: 'i/n: run the i-th of n interleaved shards (0-based); join them with `lkrobust merge`' })
      .option('out', { type: 'string', describe: 'run folder (default runs/<model>-<benchmark>); rerunning resumes it' })
      .option('json', { type: 'boolean', default: false, describe: 'print results.json to stdout; plain progress lines' })
      .option('val-dir', { type: 'string', describe: 'imagenet-o: the ImageNet val folder (in-distribution images of the same wnids); imagenet-r: the val folder, to also score its 200-class subset and report the gap' })
      .option('clean-error', { type: 'number', describe: 'imagenet-c: the model\'s clean top-1 error (fraction) for relative mCE' })
      .option('baseline', { type: 'string', describe: 'imagenet-p: baseline for mFR/mT5D: an AlexNet `eval` results.json, or {perturbation: {fp, t5d}}' })
      .option('exif-rotate', { type: 'boolean', default: false, describe: 'turn images as their EXIF orientation says (Pillow and torchvision do not; recorded in results.json)' })
      .option('color-manage', { type: 'boolean', default: false, describe: 'convert embedded ICC profiles to sRGB (Pillow and torchvision do not; recorded in results.json)' })
      .option('difficulty', { type: 'number', default: 1, describe: 'imagenet-p: difficulty 1..3 as test.py: frame stride of the temporal perturbations; the noise ones are read from <noise>_2 / <noise>_3' })
      .option('generate', { type: 'boolean', describe: 'imagenet-c: --data is the ImageNet val folder; corrupt it on the fly (as `lkrobust corrupt` would write it), nothing written' })
      .option('seed', { type: 'number', describe: 'with --generate: seed of the random corruptions (default 0)' })
      .option('frost-dir', { type: 'string', describe: 'with --generate: frost texture images (default: our procedural ones)' })
      .option('corruptions', { type: 'string', describe: "with --generate: comma list of corruptions, or 'all' (default)" })
      .example('$0 eval --model resnet50 --weights r50.safetensors --benchmark imagenet-c --data ~/data/imagenet-c --clean-error 0.2385', '')
      .example('$0 eval --model convnext_base --weights official --benchmark imagenet-a --data ~/data/imagenet-a', 'official weights, fetched once and verified')
      .example('$0 eval --model resnet50 --weights r50.safetensors --benchmark imagenet-c --generate --data ~/imagenet/val', 'ImageNet-C made in memory')
      .example('$0 eval --model resnet50 --weights r50.safetensors --benchmark imagenet-p --data ~/data/imagenet-p --difficulty 2', 'ImageNet-P from the released .mp4 files, noise from <noise>_2')
      .example('$0 eval ... --shard 0/4 --out runs/c-0 && $0 merge runs/c-0 runs/c-1 runs/c-2 runs/c-3 --out runs/c', 'four shards, then one result'),
  handler: async (argv: EvalArgs) => {
    const { results, out } = await evalMain(argv);
    if (argv.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
    else process.stdout.write(`${formatSummary(results.summary)}\nresults: ${path.join(out, 'results.json')}\n`);
  },
};

export function formatSummary(summary: Record<string, unknown>): string {
  return Object.entries(summary)
    .filter(([, v]) => v === null || typeof v !== 'object')
    .map(([k, v]) => `${k}: ${typeof v === 'number' ? (Math.abs(v) <= 1 ? (100 * v).toFixed(2) + '%' : v.toFixed(4)) : String(v)}`)
    .join('\n');
}
