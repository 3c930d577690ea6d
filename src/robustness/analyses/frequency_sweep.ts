// Frequency analysis: top-1 under band-limited noise per band (bands of width 0.1π, REFERENCE.md §6.5, §8).
import type { Model } from '../../models/model.js';
import type { Tensor } from '../../native.js';
import { addClipped, bandNoise } from './frequency.js';
import { type BatchScores, correctFlags } from './per_batch.js';
import { mulberry32 } from '../../util/rng.js';

export interface FrequencyOptions {
  bands: number[]; // lower edges, fractions of π
  width: number;
  eps: number;
  seed: number;
}


export function frequencyScorer(model: Model, o: FrequencyOptions) {
  return async (x: Tensor, labels: number[], batchIndex: number): Promise<BatchScores> => {
    const scores: BatchScores = { clean: correctFlags((await model.forward(x)).logits, labels) };
    for (const low of o.bands) {
      const noise = bandNoise(x.shape, { low, width: o.width }, o.eps, mulberry32(o.seed * 7919 + batchIndex * 31 + Math.round(low * 100)));
      scores[`band@${low}`] = correctFlags((await model.forward({ shape: x.shape, data: addClipped(x.data, noise) })).logits, labels);
    }
    return scores;
  };
}
