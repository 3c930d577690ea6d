// Effective receptive field (REFERENCE.md §6.6, as RepLKNet's erf/ tool): the gradient of the central
// position of the last feature map (summed over channels) w.r.t. the input, ReLU'd, summed over colour
// channels and averaged over images; and the area ratios of the smallest centred squares holding a fraction
// t of the total contribution, for t = 0.2, 0.3, 0.5, 0.99.
import type { Model } from '../../models/model.js';
import type { Tensor } from '../../native.js';

export interface ErfResult {
  h: number;
  w: number;
  /** Mean contribution map (h × w), row-major. */
  map: Float64Array;
  /** Threshold -> area ratio of the smallest centred square holding that fraction of the total. */
  areaRatios: Record<string, number>;
}

/** The gradient objective: 1 at the central position of every channel of the feature map. */
export function centralSeed(features: Tensor): Tensor {
  const [n, h, w, c] = features.shape;
  const d = new Float32Array(n * h * w * c);
  const cy = Math.floor(h / 2);
  const cx = Math.floor(w / 2);
  for (let b = 0; b < n; b++) d.fill(1, ((b * h + cy) * w + cx) * c, ((b * h + cy) * w + cx + 1) * c);
  return { shape: features.shape, data: d };
}

/** Per-image contribution summed into `acc` (h × w): ReLU of the input gradient, summed over channels. */
export function accumulate(acc: Float64Array, grad: Tensor): void {
  const [n, h, w, c] = grad.shape;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < h * w; i++) {
      let s = 0;
      for (let k = 0; k < c; k++) s += Math.max(0, grad.data[(b * h * w + i) * c + k]);
      acc[i] += s;
    }
  }
}

/** Area ratios of the smallest centred squares holding fraction t of the map's total. */
export function areaRatios(map: Float64Array, h: number, w: number, thresholds = [0.2, 0.3, 0.5, 0.99]): Record<string, number> {
  let total = 0;
  for (const v of map) total += v;
  const cy = Math.floor(h / 2);
  const cx = Math.floor(w / 2);
  const out: Record<string, number> = {};
  const maxR = Math.max(cy, cx, h - 1 - cy, w - 1 - cx);
  const sums: number[] = [];
  for (let r = 0; r <= maxR; r++) {
    let s = 0;
    for (let y = Math.max(0, cy - r); y <= Math.min(h - 1, cy + r); y++) for (let x = Math.max(0, cx - r); x <= Math.min(w - 1, cx + r); x++) s += map[y * w + x];
    sums.push(s);
  }
  for (const t of thresholds) {
    const r = sums.findIndex((s) => total > 0 && s >= t * total);
    const rr = r < 0 ? maxR : r;
    const side = (Math.min(h - 1, cy + rr) - Math.max(0, cy - rr) + 1) * (Math.min(w - 1, cx + rr) - Math.max(0, cx - rr) + 1);
    out[String(t)] = side / (h * w);
  }
  return out;
}

/** The ERF of `model` over batches of images (already preprocessed). */
export async function effectiveReceptiveField(model: Model, xs: AsyncIterable<Tensor> | Iterable<Tensor>): Promise<ErfResult> {
  let acc: Float64Array | null = null;
  let h = 0;
  let w = 0;
  let images = 0;
  for await (const x of xs) {
    const { logits: features } = await model.forward(x, { featuresOnly: true });
    if (features.shape.length !== 4) throw new RangeError(`${model.name}: ERF needs a spatial feature map, the model gives shape [${features.shape}]`);
    const { grad } = await model.inputGradient(x, { dlogits: centralSeed(features) }, { featuresOnly: true });
    [, h, w] = grad.shape;
    acc ??= new Float64Array(h * w);
    accumulate(acc, grad);
    images += x.shape[0];
  }
  if (!acc || images === 0) throw new RangeError('ERF: no images');
  for (let i = 0; i < acc.length; i++) acc[i] /= images;
  return { h, w, map: acc, areaRatios: areaRatios(acc, h, w) };
}
