// Frequency analysis: top-1 under band-limited noise per band (bands of width 0.1π, REFERENCE.md §6.5, §8).
// Per batch: one sign-noise field per image and channel (seeded by seed and batch index), band-passed into every
// band by batched engine products (frequency.ts eachBandNoise), one forward per band for the whole batch.
import type { Model } from '../../models/model.js';
import type { Tensor } from '../../native.js';
import { addClipped, eachBandNoise } from './frequency.js';
import { type BatchScores, correctFlags } from './per_batch.js';
import { mulberry32 } from '../../util/rng.js';

export interface FrequencyOptions {
  bands: number[]; // lower edges, fractions of π
  width: number;
  eps: number;
  seed: number;
}

/** The key of a band's scores ("band@0.3"). */
export const bandKey = (low: number) => `band@${low}`;

export function frequencyScorer(model: Model, o: FrequencyOptions) {
  return async (x: Tensor, labels: number[], batchIndex: number): Promise<BatchScores> => {
    const scores: BatchScores = { clean: correctFlags((await model.forward(x)).logits, labels) };
    const rng = mulberry32((o.seed * 7919 + batchIndex * 31 + 1) >>> 0);
    await eachBandNoise(x.shape, o.bands.map((low) => ({ low, width: o.width })), o.eps, rng, async (i, noise) => {
      scores[bandKey(o.bands[i])] = correctFlags((await model.forward({ shape: x.shape, data: addClipped(x.data, noise) })).logits, labels);
    });
    return scores;
  };
}
