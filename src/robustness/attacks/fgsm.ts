// FGSM (REFERENCE.md §6.2): x′ = clip₀₁(x + ε·sign ∇ₓ CE(f(x), y)), no random start, ε in [0,1] pixel units.
import type { Tensor } from '../../native.js';
import { type AttackModel, type Budget, checkBatch, perChannel, stepProjectClip } from './common.js';

export interface FgsmResult {
  x: Tensor;
  /** Logits at the clean input (computed on the way). */
  cleanLogits: Tensor;
}

export async function fgsm(model: AttackModel, x: Tensor, labels: readonly number[], o: { eps: Budget }): Promise<FgsmResult> {
  const { channels } = checkBatch(x, labels);
  const eps = perChannel(o.eps, channels, 'eps');
  const { logits, grad } = await model.inputGradient(x, { labels: [...labels] });
  const adv = new Float32Array(x.data);
  const dir = new Float32Array(grad.data.length);
  for (let i = 0; i < dir.length; i++) dir[i] = grad.data[i] > 0 ? 1 : grad.data[i] < 0 ? -1 : 0;
  // With step = ε the projection is a no-op: this is x + ε·sign(g) clipped to [0,1].
  stepProjectClip(adv, x.data, dir, eps, eps);
  return { x: { shape: [...x.shape], data: adv }, cleanLogits: logits };
}
