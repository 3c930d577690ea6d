// Analyses throughput: images/s of each analysis's per-batch work on one batch of synthetic images (random
// weights), with how many engine calls a batch takes and the share of wall time spent inside them (the rest is
// mask making, noise generation, scoring: the overhead of the analysis itself). Decoding is not included (see
// `bench loader`). `lkrobust bench analyses` prints it.
import { Model } from '../models/model.js';
import type { Tensor } from '../native.js';
import { erfBatch } from '../robustness/analyses/erf.js';
import { featureVariance } from '../robustness/analyses/feature_variance.js';
import { frequencyScorer } from '../robustness/analyses/frequency_sweep.js';
import { candidateBlocks, lesionScorer, lesionSets } from '../robustness/analyses/lesion.js';
import { occlusionScorer } from '../robustness/analyses/occlusion.js';
import { mulberry32 } from '../util/rng.js';
import { randomParams } from './model.js';

export const BENCH_ANALYSES = ['occlusion-random', 'occlusion-salient', 'lesion', 'frequency', 'feature-variance', 'erf'] as const;
export type BenchAnalysis = (typeof BENCH_ANALYSES)[number];

export interface AnalysesBenchOptions {
  model?: string;
  batch?: number;
  size?: number;
  /** Timed repetitions per analysis (the median is reported). */
  reps?: number;
  /** Untimed plain forwards of the model first (default 1); then a timed one is the `forward` reference row. */
  warmup?: number;
  analyses?: readonly BenchAnalysis[];
  onRow?: (row: AnalysesBenchRow) => void;
}

export interface AnalysesBenchRow {
  analysis: string;
  /** What one batch computes (settings as the CLI defaults). */
  settings: string;
  model: string;
  batch: number;
  size: number;
  engine_calls: number;
  seconds_per_batch: number;
  images_per_second: number;
  /** Fraction of the wall time spent inside model engine calls. */
  engine_share: number;
  /** null when the analysis could not run (e.g. the DINO saliency model's family is not built). */
  skipped?: string | null;
}

const RATIOS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
const BANDS = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/** Wraps a model's engine calls to count them and time them. */
function instrument(m: Model, meter: { calls: number; seconds: number }): void {
  const fwd = m.forward.bind(m);
  const grad = m.inputGradient.bind(m);
  m.forward = async (x, o) => {
    const t0 = performance.now();
    try {
      return await fwd(x, o);
    } finally {
      meter.calls++;
      meter.seconds += (performance.now() - t0) / 1000;
    }
  };
  m.inputGradient = async (x, target, o) => {
    const t0 = performance.now();
    try {
      return await grad(x, target, o);
    } finally {
      meter.calls++;
      meter.seconds += (performance.now() - t0) / 1000;
    }
  };
}

export async function benchAnalyses(opts: AnalysesBenchOptions = {}): Promise<AnalysesBenchRow[]> {
  const name = opts.model ?? 'resnet50';
  const batch = opts.batch ?? 32;
  const reps = Math.max(1, opts.reps ?? 1);
  const warmup = Math.max(0, opts.warmup ?? 1);
  const which = opts.analyses ?? BENCH_ANALYSES;
  const meter = { calls: 0, seconds: 0 };
  const model = new Model(name);
  model.setParams(randomParams(model, 0));
  instrument(model, meter);
  const size = opts.size ?? model.entry.preprocess.inputSize;
  const rng = mulberry32(1);
  const x: Tensor = { shape: [batch, size, size, 3], data: Float32Array.from({ length: batch * size * size * 3 }, rng) };
  const labels = Array.from({ length: batch }, (_, i) => i % Math.max(1, model.entry.numClasses));

  let dino: Model | null = null;
  let dinoError: string | null = null;
  if (which.includes('occlusion-salient')) {
    try {
      dino = new Model('vit_small_patch16_224.dino');
      dino.setParams(randomParams(dino, 1));
      instrument(dino, meter);
    } catch (e) {
      dinoError = (e as Error).message;
    }
  }

  const jobs: Record<BenchAnalysis, { settings: string; run: (() => Promise<unknown>) | null }> = {
    'occlusion-random': { settings: `9 ratios 0.1–0.9, one patch set per batch`, run: () => occlusionScorer(model, { ratios: RATIOS, modes: ['random'], patch: 16, perImage: false, seed: 0, head: 1 })(x, labels, 0) },
    'occlusion-salient': {
      settings: `9 ratios, salient + non-salient, DINO ViT-S/16 saliency (one call per batch), per-image masks`,
      run: dino ? () => occlusionScorer(model, { ratios: RATIOS, modes: ['salient', 'non-salient'], patch: 16, perImage: true, seed: 0, head: 1, saliency: dino! })(x, labels, 0) : null,
    },
    lesion: (() => {
      const sets = lesionSets(candidateBlocks(model, 'released'), 1, 10, 0);
      return { settings: `n = 1, 10 random blocks (released protocol)`, run: () => lesionScorer(model, sets)(x, labels) };
    })(),
    frequency: { settings: `10 bands 0.0π–0.9π, eps 0.1`, run: () => frequencyScorer(model, { bands: BANDS, width: 0.1, eps: 0.1, seed: 0 })(x, labels, 0) },
    'feature-variance': { settings: `records of every block, released + per-image`, run: () => featureVariance(model, x, false) },
    erf: { settings: `features + input gradient of the central position`, run: () => erfBatch(model, x) },
  };

  const rows: AnalysesBenchRow[] = [];
  // The reference: a plain forward of the batch (what every setting of a per-batch analysis costs at least).
  for (let i = 0; i < warmup; i++) await model.forward(x);
  if (dino) await dino.forward(x, { recordAttention: true });
  {
    const ts: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      await model.forward(x);
      ts.push((performance.now() - t0) / 1000);
    }
    ts.sort((p, q) => p - q);
    const s = ts[Math.floor(ts.length / 2)];
    const row: AnalysesBenchRow = { analysis: 'forward (reference)', settings: 'one plain forward of the batch', model: name, batch, size, engine_calls: 1, seconds_per_batch: s, images_per_second: batch / s, engine_share: 1, skipped: null };
    rows.push(row);
    opts.onRow?.(row);
  }
  for (const a of which) {
    const job = jobs[a];
    const row: AnalysesBenchRow = { analysis: a, settings: job.settings, model: name, batch, size, engine_calls: 0, seconds_per_batch: Number.NaN, images_per_second: Number.NaN, engine_share: Number.NaN, skipped: null };
    if (!job.run) {
      row.skipped = dinoError ?? 'not available';
    } else {
      const times: { s: number; calls: number; engine: number }[] = [];
      for (let i = 0; i < reps; i++) {
        meter.calls = 0;
        meter.seconds = 0;
        const t0 = performance.now();
        await job.run();
        times.push({ s: (performance.now() - t0) / 1000, calls: meter.calls, engine: meter.seconds });
      }
      times.sort((p, q) => p.s - q.s);
      const med = times[Math.floor(times.length / 2)];
      row.engine_calls = med.calls;
      row.seconds_per_batch = med.s;
      row.images_per_second = batch / med.s;
      row.engine_share = med.engine / med.s;
    }
    rows.push(row);
    opts.onRow?.(row);
  }
  return rows;
}
