// Typed, promise-based activations over the engine (native/core/ops/activation.h): ReLU, GELU (exact erf
// form or PyTorch's tanh approximation), softmax over the last dim; with their backwards.
import { runOp, type Tensor } from '../native.js';
import { enumArg, one, options, tensorArg } from './misc_args.js';

export interface GeluOptions {
  /** 'none' (exact, x Phi(x); default) or 'tanh', as torch.nn.functional.gelu's `approximate`. */
  approximate?: 'none' | 'tanh';
}

function approxOf(op: string, opts: GeluOptions | undefined): 'none' | 'tanh' {
  return enumArg(op, 'approximate', options(op, opts, ['approximate']).approximate, ['none', 'tanh'] as const, 'none');
}

export async function relu(x: Tensor): Promise<Tensor> {
  return one(await runOp('relu', [tensorArg('relu', 'x', x)]), 'relu');
}

/** dL/dx = dy where x > 0, else 0. */
export async function reluBackward(dy: Tensor, x: Tensor): Promise<Tensor> {
  const op = 'relu_backward';
  return one(await runOp(op, [tensorArg(op, 'dy', dy), tensorArg(op, 'x', x)]), op);
}

export async function gelu(x: Tensor, opts?: GeluOptions): Promise<Tensor> {
  const approx = approxOf('gelu', opts);
  return one(await runOp('gelu', [tensorArg('gelu', 'x', x)], { approx }), 'gelu');
}

export async function geluBackward(dy: Tensor, x: Tensor, opts?: GeluOptions): Promise<Tensor> {
  const op = 'gelu_backward';
  const approx = approxOf(op, opts);
  return one(await runOp(op, [tensorArg(op, 'dy', dy), tensorArg(op, 'x', x)], { approx }), op);
}

/** Softmax over the last dim. */
export async function softmax(x: Tensor): Promise<Tensor> {
  return one(await runOp('softmax', [tensorArg('softmax', 'x', x)]), 'softmax');
}

/** dL/dx from dy and the forward's output y: y (dy - <dy, y>) per row. */
export async function softmaxBackward(dy: Tensor, y: Tensor): Promise<Tensor> {
  const op = 'softmax_backward';
  return one(await runOp(op, [tensorArg(op, 'dy', dy), tensorArg(op, 'y', y)]), op);
}
