// The model interface of the AutoAttack attacks: an AttackModel whose inputGradient also takes a named loss, so
// each APGD step on DLR is one engine call (forward, the loss's gradient w.r.t. the logits, backward), as a
// step on cross-entropy is. The engine Model does this natively; withLosses() gives any other AttackModel (the
// JS models of ./toy.ts) the same interface in two calls.
import type { Tensor } from '../../native.js';
import type { AttackModel } from './common.js';
import { dlrDlogits } from './dlr.js';

export type LossName = 'ce' | 'dlr' | 'dlr-targeted';

export type LossTarget = { labels: number[]; loss?: LossName; targets?: number[] } | { dlogits: Tensor };

export interface LossModel extends AttackModel {
  inputGradient(x: Tensor, target: LossTarget): Promise<{ logits: Tensor; grad: Tensor }>;
}

/** Wraps an AttackModel that knows only CE and dlogits: DLR through a forward pass, then dlogits. */
export function withLosses(m: AttackModel): LossModel {
  return {
    forward: (x) => m.forward(x),
    async inputGradient(x, target) {
      if ('dlogits' in target || (target.loss ?? 'ce') === 'ce') return m.inputGradient(x, 'dlogits' in target ? target : { labels: target.labels });
      const { logits } = await m.forward(x);
      const g = dlrDlogits(logits, target.labels, target.loss === 'dlr-targeted' ? target.targets : undefined);
      const r = await m.inputGradient(x, { dlogits: { shape: g.shape, data: Float32Array.from(g.data) } });
      return { logits, grad: r.grad };
    },
  };
}
