// Typed, promise-based cross-entropy over the engine (native/core/ops/loss.h): logits (N, K) and integer
// labels; per-sample losses logsumexp(x[n]) - x[n, label[n]] (as F.cross_entropy(reduction='none')).
import { runOp, type Tensor } from '../native.js';
import { describe, one, tensorArg } from './misc_args.js';

function labelsArg(op: string, logits: Tensor, labels: unknown): number[] {
  const [N, K] = logits.shape;
  if (!Array.isArray(labels) && !(labels instanceof Int32Array)) {
    throw new TypeError(`${op}: expected \`labels\` an array of integers, received ${describe(labels)}`);
  }
  const arr = [...labels];
  if (arr.length !== N) throw new TypeError(`${op}: expected \`labels\` of length ${N}, received ${arr.length}`);
  arr.forEach((l, i) => {
    if (!Number.isInteger(l) || l < 0 || l >= K) {
      throw new TypeError(`${op}: expected \`labels[${i}]\` an integer in [0, ${K}), received ${describe(l)}`);
    }
  });
  return arr;
}

/** Per-sample losses (N). */
export async function crossEntropy(logits: Tensor, labels: number[] | Int32Array): Promise<Tensor> {
  const op = 'cross_entropy';
  tensorArg(op, 'logits', logits, 2);
  return one(await runOp(op, [logits], { labels: labelsArg(op, logits, labels) }), op);
}

/** dL/dlogits = (softmax - onehot) dloss[n]; dloss (N) defaults to ones (the gradient of the summed loss). */
export async function crossEntropyBackward(dloss: Tensor | null, logits: Tensor, labels: number[] | Int32Array): Promise<Tensor> {
  const op = 'cross_entropy_backward';
  tensorArg(op, 'logits', logits, 2);
  const l = labelsArg(op, logits, labels);
  const d = dloss === null ? { shape: [logits.shape[0]], data: new Float32Array(logits.shape[0]).fill(1) } : tensorArg(op, 'dloss', dloss, 1);
  return one(await runOp(op, [d, logits], { labels: l }), op);
}
