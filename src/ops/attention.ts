// Typed, promise-based multi-head attention over the engine (native/core/ops/attention.h): q, k, v
// (B, heads, T, D); out (B, heads, T, D) and probs = softmax(q k^T scale) (B, heads, T, T), the attention map
// that the backward reuses and that attention-rollout style analyses read.
import { runOp, type Tensor } from '../native.js';
import { finiteArg, options, tensorArg } from './misc_args.js';

export interface AttentionOptions {
  /** Multiplies q k^T; default 1 / sqrt(D). */
  scale?: number;
}
export interface AttentionResult {
  out: Tensor;
  probs: Tensor;
}
export interface AttentionGrads {
  dq: Tensor;
  dk: Tensor;
  dv: Tensor;
}

function scaleOf(op: string, q: Tensor, opts: AttentionOptions | undefined): number {
  const o = options(op, opts, ['scale']);
  return o.scale === undefined ? 1 / Math.sqrt(q.shape[3]) : finiteArg(op, 'scale', o.scale);
}

export async function attention(q: Tensor, k: Tensor, v: Tensor, opts?: AttentionOptions): Promise<AttentionResult> {
  const op = 'attention';
  tensorArg(op, 'q', q, 4);
  const scale = scaleOf(op, q, opts);
  const [out, probs] = await runOp(op, [q, tensorArg(op, 'k', k, 4), tensorArg(op, 'v', v, 4)], { scale });
  if (!out || !probs) throw new Error(`${op}: the engine returned no output`);
  return { out, probs };
}

/** dq, dk, dv for dL/dout = dout, from the forward's probs (same scale as the forward). */
export async function attentionBackward(
  dout: Tensor,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  probs: Tensor,
  opts?: AttentionOptions,
): Promise<AttentionGrads> {
  const op = 'attention_backward';
  tensorArg(op, 'q', q, 4);
  const scale = scaleOf(op, q, opts);
  const ins = [tensorArg(op, 'dout', dout, 4), q, tensorArg(op, 'k', k, 4), tensorArg(op, 'v', v, 4), tensorArg(op, 'probs', probs, 4)];
  const [dq, dk, dv] = await runOp(op, ins, { scale });
  if (!dq || !dk || !dv) throw new Error(`${op}: the engine returned no gradients`);
  return { dq, dk, dv };
}
