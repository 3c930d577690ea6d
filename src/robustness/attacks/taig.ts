// TAIG (transferable attack based on integrated gradients), as released (REFERENCE.md §6.3, §8):
//   path points pᵢ = (i/S)·x for i = 0..S (black baseline, S = 20: 21 points including the baseline);
//   TAIG-R adds i.i.d. U(−ε, ε) noise to every point (the released "approximate TAIG-R");
//   IG = (p_S − p₀) ⊙ mean over the points of ∇ₓ f_y(pᵢ), f_y the true-class logit;
//   x ← clip₀₁(clip(x − α·sign(IG), x₀ − ε, x₀ + ε)), α = 1/255, 20 iterations.
// All points of all images of a batch go through the engine in one inputGradient call (or in chunks of
// `pointsPerCall`), with dlogits = one-hot of the true class, so the gradient is d(logit_y)/dx.
import type { Tensor } from '../../native.js';
import {
  type AttackModel,
  type Budget,
  type Checkpoint,
  checkBatch,
  idsOf,
  imageRng,
  type IterateOptions,
  oneHot,
  perChannel,
  sortedCheckpoints,
  stepProjectClip,
} from './common.js';

export const TAIG_DEFAULTS = { points: 20, alpha: 1 / 255, iterations: 20 } as const;

export interface IgOptions {
  /** S: the path has S + 1 points, baseline included (default 20). */
  points?: number;
  /** Path noise: each point gets i.i.d. U(−noise, noise) per channel (TAIG-R); none when absent. */
  noise?: Float64Array | null;
  /** One random stream per image (required with noise). */
  rngs?: (() => number)[];
  /** At most this many path points per engine call (default: all images × (S+1) in one call). */
  pointsPerCall?: number;
  /** Number of classes of the model's output (default: read from a forward pass). */
  classes?: number;
}

export interface IgResult {
  /** Attributions (p_S − p₀) ⊙ mean gradient, shaped like x. */
  attributions: Tensor;
  /** f_y at every path point, (N, S+1): [:, 0] is the baseline, [:, S] the input (when noise-free). */
  pathLogits: Float64Array;
}

/** Integrated gradients of the true-class logit along the straight (optionally noisy) path from a black image. */
export async function integratedGradients(model: AttackModel, x: Tensor, labels: readonly number[], o: IgOptions = {}): Promise<IgResult> {
  const { n, per, channels } = checkBatch(x, labels);
  const s = o.points ?? TAIG_DEFAULTS.points;
  if (!Number.isInteger(s) || s < 1) throw new RangeError(`TAIG points: expected an integer ≥ 1, received ${s}`);
  const m = s + 1;
  const noise = o.noise ?? null;
  if (noise && (!o.rngs || o.rngs.length !== n)) throw new RangeError('integratedGradients: path noise needs one random stream per image');
  const classes = o.classes ?? (await model.forward({ shape: [1, ...x.shape.slice(1)], data: x.data.subarray(0, per) })).logits.shape[1];
  const chunk = Math.max(1, Math.floor(o.pointsPerCall ?? n * m));
  const total = n * m;
  const grads = new Float64Array(n * per); // Σ over points, per image
  const pathLogits = new Float64Array(n * m);
  const first = new Float32Array(n * per); // p₀ per image
  const lastPt = new Float32Array(n * per); // p_S per image
  // Point q = b·m + i (image b, point i), built chunk by chunk so memory stays at one chunk of points.
  for (let q0 = 0; q0 < total; q0 += chunk) {
    const cnt = Math.min(chunk, total - q0);
    const pts = new Float32Array(cnt * per);
    const labs: number[] = [];
    for (let r = 0; r < cnt; r++) {
      const q = q0 + r;
      const b = Math.floor(q / m);
      const i = q % m;
      const t = i / s;
      const src = x.data.subarray(b * per, (b + 1) * per);
      const dst = pts.subarray(r * per, (r + 1) * per);
      if (noise) {
        const rng = o.rngs![b];
        for (let j = 0; j < per; j++) dst[j] = t * src[j] + (2 * rng() - 1) * noise[j % channels];
      } else {
        for (let j = 0; j < per; j++) dst[j] = t * src[j];
      }
      if (i === 0) first.set(dst, b * per);
      if (i === s) lastPt.set(dst, b * per);
      labs.push(labels[b]);
    }
    const { logits, grad } = await model.inputGradient({ shape: [cnt, ...x.shape.slice(1)], data: pts }, { dlogits: oneHot(labs, classes) });
    for (let r = 0; r < cnt; r++) {
      const q = q0 + r;
      const b = Math.floor(q / m);
      pathLogits[q] = logits.data[r * classes + labs[r]];
      const g = grad.data.subarray(r * per, (r + 1) * per);
      const acc = grads.subarray(b * per, (b + 1) * per);
      for (let j = 0; j < per; j++) acc[j] += g[j];
    }
  }
  const attr = new Float32Array(n * per);
  for (let i = 0; i < attr.length; i++) attr[i] = (lastPt[i] - first[i]) * (grads[i] / m);
  return { attributions: { shape: [...x.shape], data: attr }, pathLogits };
}

export interface TaigOptions extends IterateOptions {
  eps: Budget;
  /** Step size (default 1/255 per channel). */
  alpha?: Budget;
  /** 'straight' (TAIG-S) or 'random' (TAIG-R: U(−ε, ε) on every path point). */
  path: 'straight' | 'random';
  /** S (default 20). */
  points?: number;
  pointsPerCall?: number;
}

/** TAIG iterates at each checkpoint (iteration counts). */
export async function* taigIterates(model: AttackModel, x: Tensor, labels: readonly number[], o: TaigOptions): AsyncGenerator<Checkpoint> {
  const { n, channels } = checkBatch(x, labels);
  const eps = perChannel(o.eps, channels, 'eps');
  const alpha = perChannel(o.alpha ?? TAIG_DEFAULTS.alpha, channels, 'alpha');
  const stops = sortedCheckpoints(o.checkpoints, 'TAIG iterations');
  const last = stops[stops.length - 1];
  const ids = idsOf(o, n);
  const rngs = o.path === 'random' ? ids.map((id) => imageRng(o.seed ?? 0, id)) : undefined;
  const per = x.data.length / Math.max(n, 1);
  const classes = (await model.forward({ shape: [1, ...x.shape.slice(1)], data: x.data.subarray(0, per) })).logits.shape[1];
  const adv = new Float32Array(x.data);
  const dir = new Float32Array(adv.length);
  for (let k = 1; k <= last; k++) {
    const { attributions } = await integratedGradients(model, { shape: [...x.shape], data: adv }, labels, {
      points: o.points,
      noise: o.path === 'random' ? eps : null,
      rngs,
      pointsPerCall: o.pointsPerCall,
      classes,
    });
    // Descend the true-class logit: x − α·sign(IG(f_y)).
    for (let i = 0; i < dir.length; i++) dir[i] = attributions.data[i] > 0 ? -1 : attributions.data[i] < 0 ? 1 : 0;
    stepProjectClip(adv, x.data, dir, alpha, eps);
    if (stops.includes(k)) yield { steps: k, x: { shape: [...x.shape], data: k === last ? adv : new Float32Array(adv) } };
  }
}

export async function taig(model: AttackModel, x: Tensor, labels: readonly number[], o: Omit<TaigOptions, 'checkpoints'> & { iterations?: number }): Promise<Tensor> {
  let out: Tensor | null = null;
  for await (const c of taigIterates(model, x, labels, { ...o, checkpoints: [o.iterations ?? TAIG_DEFAULTS.iterations] })) out = c.x;
  return out!;
}
