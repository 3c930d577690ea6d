// The robustness measurements of one trained model in the kernel-size ablation, on the in-memory val split: each
// "cell" is one measurement (clean accuracy, one corruption at one severity, random occlusion, a PGD sweep,
// band-limited noise, kernel attention distance) computed by the same code as `corrupt`, `analyze` and `attack`
// (the native corruption kernels, occlusionScorer, frequencyScorer, pgdIterates, kernelDistanceLayers).
import type { Model } from '../../models/model.js';
import { corruptImages, type Tensor } from '../../native.js';
import { type CorruptionName, corruptionParams } from '../../corrupt/params.js';
import { proceduralFrost } from '../../corrupt/frost.js';
import { occlusionScorer } from '../../robustness/analyses/occlusion.js';
import { frequencyScorer } from '../../robustness/analyses/frequency_sweep.js';
import { type BatchScores, correctFlags } from '../../robustness/analyses/per_batch.js';
import { kernelDistanceLayers } from '../../robustness/analyses/kernel_distance_run.js';
import { pgdIterates } from '../../robustness/attacks/pgd.js';
import { makeBatch } from '../augment.js';
import type { ImageSet } from '../data.js';

export interface RobustnessOptions {
  corruptions: CorruptionName[];
  severities: number[];
  /** Random-occlusion drop ratios; patches of `patch` pixels (the paper's 16 of 224, scaled to the image). */
  occlusionRatios: number[];
  patch: number;
  /** PGD L∞ budgets in pixel units, and the steps of every run (α = ε/4, random start, as `attack pgd`). */
  pgdEps: number[];
  pgdSteps: number;
  /** Band-limited noise: band lower edges (×π, width 0.1π) and the sign-noise amplitude. */
  bands: number[];
  bandEps: number;
  seed: number;
  batch: number;
}

/** A cell's result: setting -> value (accuracies in [0, 1]; kernel distances in pixels). */
export type CellValues = Record<string, number>;

/** The cells of one model, in the order they run; ids are stable file names. */
export function cellIds(o: RobustnessOptions): string[] {
  const ids = ['clean'];
  for (const c of o.corruptions) for (const s of o.severities) ids.push(`corrupt-${c}-${s}`);
  if (o.occlusionRatios.length) ids.push('occlusion-random');
  if (o.pgdEps.length) ids.push('pgd');
  if (o.bands.length) ids.push('band-noise');
  ids.push('kernel-distance');
  return ids;
}

type Scorer = (x: Tensor, labels: number[], batchIndex: number) => Promise<BatchScores>;

/** Accuracy per setting of a per-batch scorer over the whole set (unaugmented batches in order). */
async function accuracies(set: ImageSet, batch: number, score: Scorer): Promise<CellValues> {
  const totals: Record<string, number> = {};
  const n = set.labels.length;
  for (let i = 0, b = 0; i < n; i += batch, b++) {
    const idx = Int32Array.from({ length: Math.min(batch, n - i) }, (_, j) => i + j);
    const { x, labels } = makeBatch(set, idx, null, 0);
    for (const [k, flags] of Object.entries(await score(x, labels, b))) totals[k] = (totals[k] ?? 0) + flags.reduce((a, v) => a + v, 0);
  }
  return Object.fromEntries(Object.entries(totals).map(([k, v]) => [k, v / n]));
}

const cleanScorer = (model: Model): Scorer => async (x, labels) => ({ clean: correctFlags((await model.forward(x)).logits, labels) });

/** The val split with one ImageNet-C corruption applied (the native kernels `lkrobust corrupt` runs, in memory). */
async function corruptedSet(set: ImageSet, corruption: CorruptionName, severity: number, seed: number): Promise<ImageSet> {
  const r = await corruptImages({
    corruption,
    severity,
    params: corruptionParams(corruption, severity),
    seed,
    width: set.size,
    height: set.size,
    images: set.pixels,
    keys: Array.from(set.labels, (_, i) => `val/${i}`),
    frost: corruption === 'frost' ? proceduralFrost(set.size).textures : undefined,
  });
  return { ...set, pixels: new Uint8Array(r.pixels.buffer, r.pixels.byteOffset, r.pixels.byteLength) };
}

/** Accuracy under PGD at each ε after `steps` steps (the last iterate, scored by one forward). */
function pgdScorer(model: Model, o: RobustnessOptions): Scorer {
  return async (x, labels, batchIndex) => {
    const ids = labels.map((_, j) => batchIndex * o.batch + j);
    const scores: BatchScores = {};
    for (const eps of o.pgdEps) {
      let last: Tensor = x;
      for await (const c of pgdIterates(model, x, labels, { eps, checkpoints: [o.pgdSteps], seed: o.seed, ids })) last = c.x;
      scores[`pgd@${eps}`] = correctFlags((await model.forward(last)).logits, labels);
    }
    return scores;
  };
}

/** Mean kernel attention distance (the paper's definition, the applied kernels) over all depthwise layers. */
function kernelDistance(model: Model): CellValues {
  const layers = kernelDistanceLayers(model, 'applied', 'paper');
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const out: CellValues = { mean: mean(layers.map((l) => mean(l.distances))) };
  for (const l of layers) out[l.name] = mean(l.distances);
  return out;
}

export async function runCell(id: string, model: Model, val: ImageSet, o: RobustnessOptions): Promise<CellValues> {
  if (id === 'clean') return accuracies(val, o.batch, cleanScorer(model));
  const c = /^corrupt-([a-z_]+)-(\d)$/.exec(id);
  if (c) return accuracies(await corruptedSet(val, c[1] as CorruptionName, Number(c[2]), o.seed), o.batch, cleanScorer(model));
  if (id === 'occlusion-random') {
    const score = occlusionScorer(model, { ratios: o.occlusionRatios, modes: ['random'], patch: o.patch, perImage: false, seed: o.seed, head: 1 });
    return accuracies(val, o.batch, score);
  }
  if (id === 'pgd') return accuracies(val, o.batch, pgdScorer(model, o));
  if (id === 'band-noise') return accuracies(val, o.batch, frequencyScorer(model, { bands: o.bands, width: 0.1, eps: o.bandEps, seed: o.seed }));
  if (id === 'kernel-distance') return kernelDistance(model);
  throw new RangeError(`ablation: unknown cell "${id}"`);
}

