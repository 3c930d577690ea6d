// Layer-wise feature-map variance (REFERENCE.md §6.6, §8) on one batch: default as released (batch-mean map,
// spatial variance per channel, mean over channels); `perImage` averages each image's spatial variance.
import type { Model } from '../../models/model.js';
import type { Tensor } from '../../native.js';

export interface VarianceRow {
  layer: number;
  name: string;
  depth: number; // layer / (L - 1)
  variance: number;
}

export async function featureVariance(model: Model, x: Tensor, perImage: boolean): Promise<VarianceRow[]> {
  const { records } = await model.forward(x, { recordBlocks: true });
  if (!records?.length) throw new Error(`${model.name}: the model recorded no layers`);
  const L = records.length;
  return records.map((r, i) => ({
    layer: i,
    name: r.name,
    depth: L > 1 ? i / (L - 1) : 0,
    variance: perImage ? r.fmapVarPerImage : r.fmapVarBatchMean,
  }));
}
