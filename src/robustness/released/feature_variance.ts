// Feature-map variance as the released feature_map_variance/main.py computes it (REFERENCE.md §6.6): with
// torch.manual_seed(0), 10 permutations torch.randperm(1280) of the first 1,280 ImageFolder images; each sweep
// loads its permutation in batches of 128, and because the loop overwrites them only the *last* batch of each
// sweep is kept. Per layer: the batch-mean feature map of each sweep, stacked (10, C, H, W), torch's unbiased
// variance over H·W, the mean over sweeps and channels. The logits (last block) are dropped; for RepLKNet the
// released block list has no head, so what is dropped is the final ConvFFN.
import type { Model } from '../../models/model.js';
import type { Tensor } from '../../native.js';
import { Mt19937, torchRandperm } from '../../util/torch_random.js';
import { positionsOf, unbiased, type VarianceRow } from '../analyses/feature_variance.js';

export const RELEASED_VARIANCE = { sweeps: 10, datasetSize: 1280, batch: 128, seed: 0 } as const;

export interface SweepPlan {
  sweeps: number;
  datasetSize: number;
  batch: number;
  seed: number;
}

/** The dataset indices of the batch each sweep keeps (its last), in loader order. */
export function keptBatches(p: SweepPlan = RELEASED_VARIANCE): number[][] {
  const g = new Mt19937(p.seed);
  const perms = Array.from({ length: p.sweeps }, () => torchRandperm(p.datasetSize, g));
  const start = Math.floor((p.datasetSize - 1) / p.batch) * p.batch;
  return perms.map((perm) => perm.slice(start));
}

/** Drops what the released script drops after its blocks: the last layer for RepLKNet (its final ConvFFN). */
export function releasedLayers<T>(family: string, layers: T[]): T[] {
  return family === 'replknet' ? layers.slice(0, -1) : layers;
}

/**
 * The released computation over the kept batches: `load(indices)` gives those images (NHWC, [0,1]). Each
 * sweep's records hold the population variance of its batch-mean map, averaged over channels; it is made
 * unbiased over the H·W positions and averaged over the sweeps.
 */
export async function releasedFeatureVariance(model: Model, load: (indices: number[]) => Promise<Tensor>, p: SweepPlan = RELEASED_VARIANCE): Promise<VarianceRow[]> {
  const kept = keptBatches(p);
  let sums: number[] | null = null;
  let names: string[] = [];
  let positions: number[] = [];
  for (const idx of kept) {
    const { records } = await model.forward(await load(idx), { recordBlocks: true });
    if (!records?.length) throw new Error(`${model.name}: the model recorded no layers`);
    const recs = releasedLayers(model.entry.family, records);
    if (!sums) {
      sums = new Array(recs.length).fill(0);
      names = recs.map((r) => r.name);
      positions = recs.map((r) => positionsOf(r.shape));
    }
    recs.forEach((r, i) => (sums![i] += unbiased(r.fmapVarBatchMean, positions[i])));
  }
  const L = names.length;
  return names.map((name, i) => ({ layer: i, name, depth: L > 1 ? i / (L - 1) : 0, variance: sums![i] / kept.length, positions: positions[i] }));
}
