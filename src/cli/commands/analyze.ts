// `lkrobust analyze <analysis>`: why large kernels are robust — occlusion, lesion, frequency noise, kernel
// attention distance, feature-map variance, effective receptive field. Each writes results.json (rows + summary),
// results.csv and plots (SVG + PNG); the per-batch ones (occlusion, lesion, frequency) journal every batch and
// resume after a kill. Definitions and options: docs/ANALYSES.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { Argv } from 'yargs';

import { gracefulStop } from '../graceful_stop.js';
import { imageFolder } from '../../data/layouts.js';
import { writeNpy } from '../../data/npy.js';
import { loadImages } from '../../data/preprocess.js';
import { limitItems, parseShard, shardItems } from '../../data/select.js';
import { Model, sha256File } from '../../models/model.js';
import { effectiveReceptiveField } from '../../robustness/analyses/erf.js';
import { featureVariance } from '../../robustness/analyses/feature_variance.js';
import { batches } from '../../data/loader.js';
import { frequencyScorer } from '../../robustness/analyses/frequency_sweep.js';
import { kernelDistanceLayers } from '../../robustness/analyses/kernel_distance_run.js';
import { candidateBlocks, lesionScorer, lesionSets } from '../../robustness/analyses/lesion.js';
import { occlusionScorer } from '../../robustness/analyses/occlusion.js';
import type { DropCount, OcclusionMode } from '../../robustness/analyses/occlusion_masks.js';
import { type BatchScores, runPerBatch } from '../../robustness/analyses/per_batch.js';
import { toCsv } from '../../report/csv.js';
import { figuresFor, renderSvg, type ResultsFile, svgToPng } from '../../report/plots.js';
import { RunDir } from '../../report/run_dir.js';
import type { Tensor } from '../../native.js';
import { Progress } from '../progress.js';
import { PROTOCOLS, type Protocol, releasedAnalysis } from '../../robustness/released/protocol.js';
import { RELEASED_VARIANCE, releasedFeatureVariance } from '../../robustness/released/feature_variance.js';
import { modelArgs, modelOptionsFrom, resolveWeightsFile } from './model_args.js';

const ANALYSES = ['occlusion', 'lesion', 'frequency', 'kernel-distance', 'feature-variance', 'erf'] as const;
type Analysis = (typeof ANALYSES)[number];

export interface AnalyzeArgs {
  analysis: Analysis;
  model: string;
  weights: string;
  entry?: string;
  kernelSize?: number;
  data?: string;
  limit?: number;
  shard?: string;
  /** Images per engine call; feature-variance: the one batch analysed. Default 32 (feature-variance: 64). */
  batch?: number;
  out?: string;
  json: boolean;
  seed: number;
  ratios: string;
  modes: string;
  perImage: boolean;
  dropCount: DropCount;
  saliencyModel: string;
  saliencyWeights?: string;
  head: number;
  candidates: 'released' | 'all';
  maxN: number;
  samples: number;
  bands: string;
  eps: number;
  branch: 'applied' | 'large';
  definition: 'paper' | 'code';
  /** paper (default) or released: the released LKRobust script's loader, normalisation and procedure. */
  protocol?: Protocol;
}

const nums = (s: string, what: string) =>
  s.split(',').map((v) => {
    const n = Number(v.trim());
    if (!Number.isFinite(n)) throw new RangeError(`--${what}: expected comma-separated numbers, received "${s}"`);
    return n;
  });

export async function writeOutputs(out: string, results: { rows: object[] } & Record<string, unknown>) {
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  writeFileSync(path.join(out, "results.csv"), toCsv(results.rows as Record<string, unknown>[]));
  for (const f of figuresFor([results as ResultsFile])) {
    const svg = await renderSvg(f.spec);
    writeFileSync(path.join(out, `${f.id}.svg`), svg);
    writeFileSync(path.join(out, `${f.id}.png`), await svgToPng(svg));
  }
}

/** Accuracy rows per setting from the per-batch totals, with the drop against clean. */
function accuracyRows(totals: Map<string, { n: number; correct: number }>, describe: (key: string) => Record<string, unknown>) {
  const clean = totals.get('clean');
  const cleanAcc = clean && clean.n ? clean.correct / clean.n : null;
  return [...totals]
    .filter(([k]) => k !== 'clean')
    .map(([k, t]) => {
      const acc = t.n ? t.correct / t.n : null;
      return { ...describe(k), n: t.n, correct: t.correct, accuracy: acc, drop: acc !== null && cleanAcc !== null ? acc - cleanAcc : null };
    });
}

export async function analyzeMain(argv: AnalyzeArgs) {
  const batchSize = argv.batch ?? (argv.analysis === 'feature-variance' ? 64 : 32);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`--batch: expected a positive integer, received ${argv.batch}`);
  argv = { ...argv, weights: await resolveWeightsFile(argv.model, argv.weights, { json: argv.json }) };
  if (argv.saliencyWeights) argv.saliencyWeights = await resolveWeightsFile(argv.saliencyModel, argv.saliencyWeights, { json: argv.json });
  const protocol = argv.protocol ?? 'paper';
  const rel = protocol === 'released' ? releasedAnalysis(argv.analysis) : null;
  if (rel && argv.analysis === 'kernel-distance') {
    // The released code reads the raw large-branch weight and does not normalise: its settings, whatever was asked.
    argv = { ...argv, branch: 'large', definition: 'code' };
  }
  const model = new Model(argv.model, { ...modelOptionsFrom(argv), ...(rel ? { normalization: rel.normalization } : {}) });
  model.loadWeights(argv.weights, argv.entry ? { entry: argv.entry } : {});
  const pre = rel ? rel.preprocess : model.entry.preprocess;
  const out = argv.out ?? path.join('runs', `${argv.model}-${argv.analysis}${rel ? '-released' : ''}`);
  const base = { model: argv.model, analysis: argv.analysis, weights_sha256: await sha256File(argv.weights), protocol, protocol_settings: rel?.settings ?? null };

  if (argv.analysis === 'kernel-distance') {
    if (argv.branch === 'applied') model.reparameterize();
    const layers = kernelDistanceLayers(model, argv.branch, argv.definition);
    const rows = layers.flatMap((l) => l.distances.map((d, i) => ({ layer: l.name, kernel: l.kernel, channel: l.distances.length > 1 ? i / (l.distances.length - 1) : 0, distance: d })));
    const results = { ...base, config: { branch: argv.branch, definition: argv.definition }, layers, rows, summary: { layers: layers.length, plot: { x: 'channel', y: 'distance', xTitle: 'normalised channel index (sorted)', yTitle: argv.definition === 'paper' ? 'distance (pixels)' : 'distance (released, unnormalised)', facet: 'layer' } } };
    await writeOutputs(out, results);
    return { results, out };
  }

  if (!argv.data) throw new RangeError(`${argv.analysis}: give --data, an ImageFolder (e.g. the ImageNet val folder)`);
  const ds = imageFolder(argv.data);
  let items = argv.limit !== undefined ? limitItems(ds.items, argv.limit) : ds.items;
  if (argv.shard) items = shardItems(items, parseShard(argv.shard));

  if (argv.analysis === 'feature-variance' && rel) {
    // --limit scales the released 1,280 images down (the sweeps and the kept last batch stay as released).
    const datasetSize = Math.min(RELEASED_VARIANCE.datasetSize, items.length);
    const plan = { ...RELEASED_VARIANCE, datasetSize, batch: argv.batch ?? RELEASED_VARIANCE.batch };
    const pool = ds.items.slice(0, datasetSize);
    const rows = await releasedFeatureVariance(model, (idx) => loadImages(idx.map((i) => pool[i].path), pre), plan);
    const results = { ...base, config: { ...plan, images: datasetSize, variance: 'unbiased over H·W, mean over sweeps and channels (as released)' }, rows, summary: { layers: rows.length, plot: { x: 'depth', y: 'variance', xTitle: 'normalised depth', yTitle: 'feature-map variance (released protocol)' } } };
    await writeOutputs(out, results);
    return { results, out };
  }

  if (argv.analysis === 'feature-variance') {
    const batch = items.slice(0, batchSize);
    const x = await loadImages(batch.map((i) => i.path), pre);
    const rows = await featureVariance(model, x, argv.perImage);
    const results = { ...base, config: { images: batch.length, per_image: argv.perImage, variance: 'unbiased over H·W (torch default, as released)' }, rows, summary: { layers: rows.length, plot: { x: 'depth', y: 'variance', xTitle: 'normalised depth', yTitle: argv.perImage ? 'per-image feature-map variance' : 'feature-map variance (released)' } } };
    await writeOutputs(out, results);
    return { results, out };
  }

  if (argv.analysis === 'erf') {
    const xs = (async function* () {
      for await (const b of batches(items, pre, { batchSize })) if (b.items.length) yield b.x;
    })();
    const erf = await effectiveReceptiveField(model, xs);
    const rows = Object.entries(erf.areaRatios).map(([t, ratio]) => ({ threshold: Number(t), side: erf.sides[t], area_ratio: ratio }));
    // The heat map, pooled to at most 56 × 56 cells for the plot; the full map is in erf_map.npy.
    const cell = Math.max(1, Math.ceil(Math.max(erf.h, erf.w) / 56));
    const heat: { x: number; y: number; value: number }[] = [];
    for (let y = 0; y < erf.h; y += cell) {
      for (let x = 0; x < erf.w; x += cell) {
        let s = 0;
        for (let yy = y; yy < Math.min(erf.h, y + cell); yy++) for (let xx = x; xx < Math.min(erf.w, x + cell); xx++) s += erf.map[yy * erf.w + xx];
        heat.push({ x: x / cell, y: y / cell, value: s });
      }
    }
    const results = {
      ...base,
      config: { images: erf.images, batch: batchSize, objective: 'sum_c relu(F[c, h/2, w/2]) of the last feature map; relu(d/d normalised input), summed over colour channels, mean over images' },
      rows,
      summary: { area_ratios: erf.areaRatios, area_ratio_basis: 'log10(map + 1) rescaled to max 1 (RepLKNet analyze_erf.py)', heatmap: heat, map_shape: [erf.h, erf.w] },
    };
    mkdirSync(out, { recursive: true });
    writeNpy(path.join(out, 'erf_map.npy'), [erf.h, erf.w], erf.map);
    await writeOutputs(out, results);
    return { results, out };
  }

  let score: (x: Tensor, labels: number[], b: number) => Promise<BatchScores>;
  let describe: (key: string) => Record<string, unknown>;
  let config: Record<string, unknown>;
  let plot: Record<string, unknown>;
  let extra: Record<string, unknown> = {};
  if (argv.analysis === 'occlusion') {
    const modes = argv.modes.split(',').map((m) => m.trim()) as OcclusionMode[];
    for (const m of modes) if (!['random', 'salient', 'non-salient'].includes(m)) throw new RangeError(`--modes: unknown mode "${m}" (random, salient, non-salient)`);
    let saliency: Model | undefined;
    if (modes.some((m) => m !== 'random')) {
      if (!argv.saliencyWeights) throw new RangeError('salient / non-salient modes need --saliency-weights (DINO ViT-S/16, e.g. dino_deitsmall16_pretrain.pth)');
      saliency = new Model(argv.saliencyModel, rel ? { normalization: rel.normalization } : {});
      saliency.loadWeights(argv.saliencyWeights);
    }
    const ratios = nums(argv.ratios, 'ratios');
    config = { ratios, modes, patch: 16, per_image: argv.perImage, seed: argv.seed, saliency_model: saliency ? argv.saliencyModel : null, head: argv.head, drop_count: argv.dropCount };
    score = occlusionScorer(model, { ratios, modes, patch: 16, perImage: argv.perImage, seed: argv.seed, saliency, head: argv.head, dropCount: argv.dropCount });
    describe = (k) => {
      const [mode, ratio] = k.split('@');
      return { mode, ratio: Number(ratio) };
    };
    plot = { x: 'ratio', y: 'accuracy', xTitle: 'drop ratio', yTitle: 'top-1 accuracy', facet: 'mode', yFormat: '%' };
  } else if (argv.analysis === 'lesion') {
    const cands = candidateBlocks(model, argv.candidates);
    const sets = lesionSets(cands, argv.maxN, argv.samples, argv.seed);
    config = { candidates: argv.candidates, candidate_blocks: cands.map((b) => b.name), max_n: argv.maxN, samples: argv.samples, seed: argv.seed };
    extra = { sets };
    score = lesionScorer(model, sets);
    const total = candidateBlocks(model, 'all').length;
    describe = (k) => {
      const m = /^n(\d+)#(\d+)$/.exec(k)!;
      return { n: Number(m[1]), sample: Number(m[2]), fraction: Number(m[1]) / total };
    };
    plot = { x: 'fraction', y: 'accuracy', xTitle: 'fraction of blocks removed', yTitle: 'top-1 accuracy', yFormat: '%' };
  } else {
    const bands = nums(argv.bands, 'bands');
    config = { bands, width: 0.1, eps: argv.eps, eps_units: 'pixel ([0,1])', seed: argv.seed };
    score = frequencyScorer(model, { bands, width: 0.1, eps: argv.eps, seed: argv.seed });
    describe = (k) => ({ band: Number(k.split('@')[1]) });
    plot = { x: 'band', y: 'drop', xTitle: 'band lower edge (×π)', yTitle: 'top-1 change vs clean', yFormat: '%' };
  }
  const runConfig = { ...base, config, data: path.resolve(argv.data), limit: argv.limit ?? null, shard: argv.shard ?? null, batch: batchSize };
  const run = new RunDir<{ scores: BatchScores }>(out, runConfig);
  const progress = new Progress(`${argv.model} ${argv.analysis}`, { plain: argv.json });
  const stop = gracefulStop((line) => process.stderr.write(line + '\n'));
  const r = await runPerBatch(items, pre, run, score, {
    batchSize,
    shouldStop: stop.requested,
    onProgress: (done, total, rate) => progress.update({ done, total, rate }),
  });
  stop.release();
  const rows = accuracyRows(r.totals, describe);
  const clean = r.totals.get('clean');
  const results = {
    ...base,
    config: runConfig.config,
    rows,
    ...extra,
    summary: { clean_accuracy: clean?.n ? clean.correct / clean.n : null, images: r.images, plot },
    complete: r.complete,
    failed_images: r.failed,
    timing: { seconds: r.seconds, images_per_second: r.images / Math.max(r.seconds, 1e-9) },
  };
  await writeOutputs(out, results as typeof results & { rows: Record<string, unknown>[] });
  return { results, out };
}

export const analyzeCommand = {
  command: 'analyze <analysis>',
  describe: 'Why large kernels are robust: occlusion, lesion, frequency, kernel-distance, feature-variance, erf',
  builder: (y: Argv) =>
    modelArgs(y)
      .positional('analysis', { choices: ANALYSES, describe: 'which analysis' })
      .option('data', { type: 'string', describe: 'an ImageFolder of labelled images (e.g. the ImageNet val folder)' })
      .option('limit', { type: 'number', describe: 'at most N images (spread over classes)' })
      .option('shard', { type: 'string', describe: 'i/n: the i-th of n interleaved shards' })
      .option('batch', { type: 'number', describe: 'images per engine call (default 32); feature-variance: the one batch analysed (default 64, the paper\'s size)' })
      .option('out', { type: 'string', describe: 'run folder (default runs/<model>-<analysis>); rerunning resumes it' })
      .option('json', { type: 'boolean', default: false, describe: 'print results.json' })
      .option('seed', { type: 'number', default: 0 })
      .option('ratios', { type: 'string', default: '0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9', describe: 'occlusion: drop ratios' })
      .option('modes', { type: 'string', default: 'random', describe: 'occlusion: random,salient,non-salient' })
      .option('per-image', { type: 'boolean', default: false, describe: 'occlusion: a random patch set per image; feature-variance: per-image variance' })
      .option('saliency-model', { type: 'string', default: 'vit_small_patch16_224.dino' })
      .option('saliency-weights', { type: 'string', describe: "occlusion salient/non-salient: DINO ViT-S/16 weights (a file, or 'official')" })
      .option('head', { type: 'number', default: 1, describe: 'occlusion: attention head for saliency (released: 1)' })
      .option('drop-count', { choices: ['floor', 'round'] as const, default: 'floor' as const, describe: 'occlusion random: ⌊ratio·196⌋ patches as released (19 at 0.1) or round(ratio·196) (20)' })
      .option('candidates', { choices: ['released', 'all'] as const, default: 'released' as const, describe: 'lesion: RepLKNet stage-3 blocks as released, or every block' })
      .option('max-n', { type: 'number', default: 6, describe: 'lesion: drop n = 1..max-n blocks' })
      .option('samples', { type: 'number', default: 10, describe: 'lesion: random block sets per n' })
      .option('bands', { type: 'string', default: '0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9', describe: 'frequency: band lower edges (×π), width 0.1π' })
      .option('eps', { type: 'number', default: 0.1, describe: 'frequency: sign-noise amplitude before band-passing, pixel units' })
      .option('branch', { choices: ['applied', 'large'] as const, default: 'applied' as const, describe: 'kernel-distance: the kernel applied (fused) or the large branch' })
      .option('definition', { choices: ['paper', 'code'] as const, default: 'paper' as const, describe: "kernel-distance: the paper's or the released code's formula" })
      .option('protocol', { choices: PROTOCOLS, default: 'paper' as const, describe: "paper: the paper's definitions and each model's preprocessing; released: the released LKRobust script step for step (ImageNet mean/std for every model, its loader; feature-variance: 10 sweeps of 128 over the first 1,280 images, last batch kept; kernel-distance: --branch large --definition code). docs/ANALYSES.md" })
      .example('$0 analyze feature-variance --model replknet_31b --weights RepLKNet-31B_ImageNet-1K_224.pth --data ~/imagenet/val --protocol released', 'Fig 9 as the released script computes it')
      .example('$0 analyze occlusion --model replknet_31b --weights lk.pth --data ~/imagenet/val --modes random,salient --saliency-weights dino_deitsmall16_pretrain.pth --protocol released', 'occlusion with the released loader (bilinear)'),
  handler: async (argv: AnalyzeArgs) => {
    const { results, out } = await analyzeMain(argv);
    if (argv.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
    else process.stdout.write(`wrote ${path.join(out, 'results.json')} (+ results.csv and plots)\n`);
  },
};
