// Effective receptive field (REFERENCE.md §6.6; no ERF experiment in LKRobust, so RepLKNet's erf/ tool is
// followed): the objective is Σ_c ReLU(F[n, c, h/2, w/2]), the central position of the last feature map F before
// pooling (ViT, our extension: the central patch token of the last normed tokens); its gradient w.r.t. the
// *normalised* input (what the tool differentiates: ours is in pixel units, so it is multiplied by each channel's std), ReLU'd, summed over colour channels and images, averaged over images.
// Area ratios as the tool's analyze_erf.py: on log10(map + 1) rescaled to max 1, the smallest centred square of
// side 2i + 1 (i = 1 … h//2 − 1) whose share of the total exceeds t, for t = 0.2, 0.3, 0.5, 0.99; null if none.
import type { Model } from '../../models/model.js';
import type { Tensor } from '../../native.js';

export interface ErfResult {
  h: number;
  w: number;
  /** Mean contribution map (h × w), row-major. */
  map: Float64Array;
  /** Threshold -> area ratio of the smallest centred square whose share exceeds it (null: none does). */
  areaRatios: Record<string, number | null>;
  /** Threshold -> side of that square in input pixels (null: none). */
  sides: Record<string, number | null>;
  images: number;
}

/**
 * d/dF of Σ_c ReLU(F[n, h/2, w/2, c]) for a feature map F (N, h, w, C): 1 at the central position of the
 * channels where F > 0, else 0 (the tool's ReLU on the central point). Token maps (N, 1 + g², C) (ViT: class
 * token first, then the g×g patch grid row-major) are seeded at the central patch token, token 1 + (g/2)·g + g/2.
 */
export function centralSeed(features: Tensor): Tensor {
  const d = new Float32Array(features.data.length);
  let n: number;
  let c: number;
  let pos: number; // index of the central position among the per-image positions
  let per: number; // positions per image
  if (features.shape.length === 4) {
    const [nn, h, w, cc] = features.shape;
    [n, c, per, pos] = [nn, cc, h * w, Math.floor(h / 2) * w + Math.floor(w / 2)];
  } else if (features.shape.length === 3 && Number.isInteger(Math.sqrt(features.shape[1] - 1)) && features.shape[1] > 1) {
    const [nn, t, cc] = features.shape;
    const g = Math.sqrt(t - 1);
    [n, c, per, pos] = [nn, cc, t, 1 + Math.floor(g / 2) * g + Math.floor(g / 2)];
  } else {
    throw new RangeError(`ERF needs a spatial feature map (N, h, w, C) or a token map (N, 1 + g², C), received shape [${features.shape}]`);
  }
  for (let b = 0; b < n; b++) {
    const o = (b * per + pos) * c;
    for (let k = 0; k < c; k++) if (features.data[o + k] > 0) d[o + k] = 1;
  }
  return { shape: features.shape, data: d };
}

/**
 * Contributions summed into `acc` (h × w) over the batch: ReLU of the gradient w.r.t. the normalised input
 * (the pixel-space gradient times each colour channel's std), summed over colour channels.
 */
export function accumulate(acc: Float64Array, grad: Tensor, std: readonly number[] = [1, 1, 1]): void {
  const [n, h, w, c] = grad.shape;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < h * w; i++) {
      let s = 0;
      for (let k = 0; k < c; k++) s += Math.max(0, grad.data[(b * h * w + i) * c + k] * std[k]);
      acc[i] += s;
    }
  }
}

/**
 * Area ratios as RepLKNet's analyze_erf.py: the map is taken through log10(v + 1) and rescaled to max 1; for
 * each threshold t, the first i = 1 … h//2 − 1 whose centred square [h//2 − i, h//2 + i] × [w//2 − i, w//2 + i]
 * holds more than t of the total gives side 2i + 1 and ratio (2i + 1)² / (h·w); null when none does.
 */
export function areaRatios(map: Float64Array, h: number, w: number, thresholds = [0.2, 0.3, 0.5, 0.99]): { ratios: Record<string, number | null>; sides: Record<string, number | null> } {
  const d = Float64Array.from(map, (v) => Math.log10(v + 1));
  let max = 0;
  for (const v of d) max = Math.max(max, v);
  if (max > 0) for (let i = 0; i < d.length; i++) d[i] /= max;
  let total = 0;
  for (const v of d) total += v;
  const cy = Math.floor(h / 2);
  const cx = Math.floor(w / 2);
  const ratios: Record<string, number | null> = {};
  const sides: Record<string, number | null> = {};
  for (const t of thresholds) {
    ratios[String(t)] = null;
    sides[String(t)] = null;
    for (let i = 1; i < Math.floor(h / 2); i++) {
      let s = 0;
      // numpy slicing clips at the edges, as here.
      for (let y = Math.max(0, cy - i); y < Math.min(h, cy + i + 1); y++) for (let x = Math.max(0, cx - i); x < Math.min(w, cx + i + 1); x++) s += d[y * w + x];
      if (total > 0 && s / total > t) {
        ratios[String(t)] = (((2 * i + 1) / h) * (2 * i + 1)) / w;
        sides[String(t)] = 2 * i + 1;
        break;
      }
    }
  }
  return { ratios, sides };
}

/** Only the ReLU'd-gradient map, summed over images (no averaging): one batched gradient call. */
export async function erfBatch(model: Model, x: Tensor, acc?: Float64Array): Promise<Float64Array> {
  const { logits: features } = await model.forward(x, { featuresOnly: true });
  let seed: Tensor;
  try {
    seed = centralSeed(features);
  } catch (e) {
    throw new RangeError(`${model.name}: forward({ featuresOnly: true }) gave no feature map: ${(e as Error).message}`);
  }
  const { grad } = await model.inputGradient(x, { dlogits: seed }, { featuresOnly: true });
  const [, h, w] = grad.shape;
  const out = acc ?? new Float64Array(h * w);
  accumulate(out, grad, model.entry.preprocess.std);
  return out;
}

/** The ERF of `model` over batches of images (already preprocessed, pixel space). */
export async function effectiveReceptiveField(model: Model, xs: AsyncIterable<Tensor> | Iterable<Tensor>): Promise<ErfResult> {
  let acc: Float64Array | null = null;
  let h = 0;
  let w = 0;
  let images = 0;
  for await (const x of xs) {
    [, h, w] = x.shape;
    acc = await erfBatch(model, x, acc ?? undefined);
    images += x.shape[0];
  }
  if (!acc || images === 0) throw new RangeError('ERF: no images');
  for (let i = 0; i < acc.length; i++) acc[i] /= images;
  const { ratios, sides } = areaRatios(acc, h, w);
  return { h, w, map: acc, areaRatios: ratios, sides, images };
}
