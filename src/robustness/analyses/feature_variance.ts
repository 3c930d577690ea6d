// Layer-wise feature-map variance (REFERENCE.md §6.6, §8) on one batch: default as released (batch-mean map,
// spatial variance per channel, mean over channels); `perImage` averages each image's spatial variance ([PK]).
// Both use torch's default *unbiased* variance over the P = H·W positions (`latent.var(dim=[-1, -2])` in
// LKRobust feature_map_variance/main.py). The engine's BlockRecord holds the population variance (÷P), so it
// is scaled here by P / (P − 1). The records come from one batched forward.
import type { BlockRecord, Model } from '../../models/model.js';
import type { Tensor } from '../../native.js';

export interface VarianceRow {
  layer: number;
  name: string;
  depth: number; // layer / (L - 1)
  variance: number;
  /** Spatial positions the variance is over (H·W; tokens T for token maps). */
  positions: number;
}

/** Positions per image of a recorded map: NHWC → H·W; tokens (B, T, C) → T; (B, C) → 1. */
export function positionsOf(shape: readonly number[]): number {
  return shape.length <= 2 ? 1 : shape.slice(1, -1).reduce((a, b) => a * b, 1);
}

/** torch's unbiased variance from the population variance over `p` positions (0 when p = 1: undefined). */
export function unbiased(populationVariance: number, p: number): number {
  return p > 1 ? (populationVariance * p) / (p - 1) : Number.NaN;
}

export function varianceRows(records: readonly BlockRecord[], perImage: boolean): VarianceRow[] {
  const L = records.length;
  return records.map((r, i) => {
    const p = positionsOf(r.shape);
    return {
      layer: i,
      name: r.name,
      depth: L > 1 ? i / (L - 1) : 0,
      variance: unbiased(perImage ? r.fmapVarPerImage : r.fmapVarBatchMean, p),
      positions: p,
    };
  });
}

export async function featureVariance(model: Model, x: Tensor, perImage: boolean): Promise<VarianceRow[]> {
  const { records } = await model.forward(x, { recordBlocks: true });
  if (!records?.length) throw new Error(`${model.name}: the model recorded no layers`);
  return varianceRows(records, perImage);
}
