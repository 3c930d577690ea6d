// PatchDrop occlusion (REFERENCE.md §6.1, §8): random, salient and non-salient 16×16 patches at drop ratios,
// saliency from DINO ViT-S/16's last-block attention (head 1, class-token row), zero fill in pixel space.
import type { Model } from '../../models/model.js';
import type { Tensor } from '../../native.js';
import { type DropCount, type OcclusionMode, dropPatches, patchesToDrop } from './occlusion_masks.js';
import { type BatchScores, correctFlags } from './per_batch.js';
import { mulberry32 } from '../../util/rng.js';

export interface OcclusionOptions {
  ratios: number[];
  modes: OcclusionMode[];
  patch: number;
  /** One random patch set per image (default: one per batch, as released). */
  perImage: boolean;
  seed: number;
  /** The DINO model for salient / non-salient modes. */
  saliency?: Model;
  /** Attention head used for saliency (released: 1). */
  head: number;
  /** Random mode: ⌊ratio·196⌋ patches as released (default) or round(ratio·196). */
  dropCount?: DropCount;
}


/** Class-token attention over the patches of one head: (N, heads, T, T) -> N arrays of T−1 values. */
export function clsAttention(att: Tensor, head: number): Float32Array[] {
  const [n, heads, t] = att.shape;
  if (head < 0 || head >= heads) throw new RangeError(`saliency head ${head}: the model has ${heads} heads`);
  return Array.from({ length: n }, (_, b) => att.data.slice(((b * heads + head) * t + 0) * t + 1, ((b * heads + head) * t + 0) * t + t));
}

export function occlusionScorer(model: Model, o: OcclusionOptions) {
  const needsSaliency = o.modes.some((m) => m !== 'random');
  if (needsSaliency && !o.saliency) throw new RangeError('salient / non-salient occlusion needs the DINO saliency model (--saliency-weights)');
  return async (x: Tensor, labels: number[], batchIndex: number): Promise<BatchScores> => {
    const [n, h, w] = x.shape;
    const grid = Math.floor(h / o.patch);
    const count = grid * Math.floor(w / o.patch);
    const scores: BatchScores = { clean: correctFlags((await model.forward(x)).logits, labels) };
    let attention: Float32Array[] | null = null;
    if (needsSaliency) {
      const { attention: att } = await o.saliency!.forward(x, { recordAttention: true });
      if (!att) throw new Error('the saliency model returned no attention map');
      attention = clsAttention(att, o.head);
      if (attention[0].length !== count) throw new RangeError(`saliency map has ${attention[0].length} patches, the image ${count}`);
    }
    for (const mode of o.modes) {
      for (const ratio of o.ratios) {
        const rng = mulberry32(o.seed * 1000003 + batchIndex * 7919 + Math.round(ratio * 1000));
        const data = Float32Array.from(x.data);
        const shared = mode === 'random' && !o.perImage ? patchesToDrop('random', ratio, count, rng, undefined, o.dropCount) : null;
        for (let b = 0; b < n; b++) dropPatches(data, x.shape, b, shared ?? patchesToDrop(mode, ratio, count, rng, attention?.[b], o.dropCount), o.patch);
        scores[`${mode}@${ratio}`] = correctFlags((await model.forward({ shape: x.shape, data })).logits, labels);
      }
    }
    return scores;
  };
}
