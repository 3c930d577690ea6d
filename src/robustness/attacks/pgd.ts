// L∞ PGD as torchattacks runs it (REFERENCE.md §6.2, §8): uniform random start in ±ε (then clip to [0,1]);
// each step x ← clip₀₁(Proj_ε(x + α·sign ∇ₓ CE)). Defaults: α = ε/4, random start on. ε, α in pixel units.
//
// The iterates of one run pass through every shorter run with the same random start (α does not depend on
// the step count), so a sweep over steps is one run reported at several checkpoints.
import type { Tensor } from '../../native.js';
import {
  type AttackModel,
  type Budget,
  type Checkpoint,
  checkBatch,
  idsOf,
  imageRng,
  type IterateOptions,
  perChannel,
  sortedCheckpoints,
  stepProjectClip,
} from './common.js';

export interface PgdOptions extends IterateOptions {
  eps: Budget;
  /** Step size (default ε/4 per channel). */
  alpha?: Budget;
  /** Uniform random start in ±ε (default true). */
  randomStart?: boolean;
}

/** The PGD iterates at each checkpoint; each carries the logits at that iterate (from the next gradient call) where known. */
export async function* pgdIterates(model: AttackModel, x: Tensor, labels: readonly number[], o: PgdOptions): AsyncGenerator<Checkpoint> {
  const { n, per, channels } = checkBatch(x, labels);
  const eps = perChannel(o.eps, channels, 'eps');
  const alpha = o.alpha === undefined ? eps.map((e) => e / 4) : perChannel(o.alpha, channels, 'alpha');
  const stops = sortedCheckpoints(o.checkpoints, 'PGD steps');
  const last = stops[stops.length - 1];
  const adv = new Float32Array(x.data);
  if (o.randomStart ?? true) {
    const ids = idsOf(o, n);
    for (let b = 0; b < n; b++) {
      const rng = imageRng(o.seed ?? 0, ids[b]);
      for (let j = 0; j < per; j++) {
        const i = b * per + j;
        const v = adv[i] + (2 * rng() - 1) * eps[i % channels];
        adv[i] = v < 0 ? 0 : v > 1 ? 1 : v;
      }
    }
  }
  const dir = new Float32Array(adv.length);
  let pending: { steps: number; data: Float32Array } | null = null;
  for (let k = 0; k < last; k++) {
    const { logits, grad } = await model.inputGradient({ shape: [...x.shape], data: adv }, { labels: [...labels] });
    if (pending) {
      yield { steps: pending.steps, x: { shape: [...x.shape], data: pending.data }, logits };
      pending = null;
    }
    for (let i = 0; i < dir.length; i++) dir[i] = grad.data[i] > 0 ? 1 : grad.data[i] < 0 ? -1 : 0;
    stepProjectClip(adv, x.data, dir, alpha, eps);
    if (k + 1 < last && stops.includes(k + 1)) pending = { steps: k + 1, data: new Float32Array(adv) };
  }
  yield { steps: last, x: { shape: [...x.shape], data: adv } };
}

/** The adversarial images after o.steps PGD steps. */
export async function pgd(model: AttackModel, x: Tensor, labels: readonly number[], o: Omit<PgdOptions, 'checkpoints'> & { steps: number }): Promise<Tensor> {
  let out: Tensor | null = null;
  for await (const c of pgdIterates(model, x, labels, { ...o, checkpoints: [o.steps] })) out = c.x;
  return out!;
}
