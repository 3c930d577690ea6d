// Typed, promise-based norm family over the engine (native/core/ops/norm.h). Channels last: statistics and
// affine parameters are over the last dim C. Options are validated here; shapes are checked by the engine.
import { runOp, type Tensor } from '../native.js';
import { intArg, numberArg, numberList, one, options, tensorArg } from './misc_args.js';

export interface EpsOptions {
  /** Added to the variance inside the square root (default 1e-5, as PyTorch). */
  eps?: number;
}
export interface GroupNormOptions extends EpsOptions {
  /** Number of channel groups; must divide C. */
  groups: number;
}
export interface PixelNormalizeOptions {
  mean: number[];
  std: number[];
}
export interface NormParamGrads {
  dgamma: Tensor;
  dbeta: Tensor;
}

const epsOf = (op: string, o: EpsOptions | undefined, extra: string[] = []) =>
  numberArg(op, 'eps', options(op, o, ['eps', ...extra]).eps, 1e-5, 0);

function groupsOf(op: string, x: Tensor, o: GroupNormOptions): { groups: number; eps: number } {
  const eps = epsOf(op, o, ['groups']);
  const groups = intArg(op, 'groups', o?.groups, 1);
  const C = x.shape[3];
  if (C !== undefined && C % groups !== 0) {
    throw new TypeError(`${op}: expected \`groups\` dividing C=${C}, received ${groups}`);
  }
  return { groups, eps };
}

async function params(op: string, ins: Tensor[], attrs: Record<string, number>): Promise<NormParamGrads> {
  const [dgamma, dbeta] = await runOp(op, ins, attrs);
  if (!dgamma || !dbeta) throw new Error(`${op}: the engine returned no gradients`);
  return { dgamma, dbeta };
}

/** Inference batch norm: (x - mean) / sqrt(var + eps) * gamma + beta over the last dim. */
export async function batchNorm(x: Tensor, gamma: Tensor, beta: Tensor, mean: Tensor, variance: Tensor, opts?: EpsOptions): Promise<Tensor> {
  const op = 'batch_norm';
  const eps = epsOf(op, opts);
  const ins = [tensorArg(op, 'x', x), tensorArg(op, 'gamma', gamma, 1), tensorArg(op, 'beta', beta, 1), tensorArg(op, 'mean', mean, 1), tensorArg(op, 'variance', variance, 1)];
  return one(await runOp(op, ins, { eps }), op);
}

/** dL/dx = dy * gamma / sqrt(var + eps) (the statistics are constants in inference mode). */
export async function batchNormBackwardInput(dy: Tensor, gamma: Tensor, variance: Tensor, opts?: EpsOptions): Promise<Tensor> {
  const op = 'batch_norm_backward_input';
  const eps = epsOf(op, opts);
  return one(await runOp(op, [tensorArg(op, 'dy', dy), tensorArg(op, 'gamma', gamma, 1), tensorArg(op, 'variance', variance, 1)], { eps }), op);
}

/** dgamma = sum dy (x - mean) / sqrt(var + eps), dbeta = sum dy, over all positions. */
export async function batchNormBackwardParams(dy: Tensor, x: Tensor, mean: Tensor, variance: Tensor, opts?: EpsOptions): Promise<NormParamGrads> {
  const op = 'batch_norm_backward_params';
  const eps = epsOf(op, opts);
  return params(op, [tensorArg(op, 'dy', dy), tensorArg(op, 'x', x), tensorArg(op, 'mean', mean, 1), tensorArg(op, 'variance', variance, 1)], { eps });
}

/** Layer norm over the last dim, biased variance. */
export async function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, opts?: EpsOptions): Promise<Tensor> {
  const op = 'layer_norm';
  const eps = epsOf(op, opts);
  return one(await runOp(op, [tensorArg(op, 'x', x), tensorArg(op, 'gamma', gamma, 1), tensorArg(op, 'beta', beta, 1)], { eps }), op);
}

export async function layerNormBackwardInput(dy: Tensor, x: Tensor, gamma: Tensor, opts?: EpsOptions): Promise<Tensor> {
  const op = 'layer_norm_backward_input';
  const eps = epsOf(op, opts);
  return one(await runOp(op, [tensorArg(op, 'dy', dy), tensorArg(op, 'x', x), tensorArg(op, 'gamma', gamma, 1)], { eps }), op);
}

export async function layerNormBackwardParams(dy: Tensor, x: Tensor, opts?: EpsOptions): Promise<NormParamGrads> {
  const op = 'layer_norm_backward_params';
  const eps = epsOf(op, opts);
  return params(op, [tensorArg(op, 'dy', dy), tensorArg(op, 'x', x)], { eps });
}

/** Group norm of x (N, H, W, C): statistics per (n, group) over H, W and the group's C / groups channels. */
export async function groupNorm(x: Tensor, gamma: Tensor, beta: Tensor, opts: GroupNormOptions): Promise<Tensor> {
  const op = 'group_norm';
  tensorArg(op, 'x', x, 4);
  const a = groupsOf(op, x, opts);
  return one(await runOp(op, [x, tensorArg(op, 'gamma', gamma, 1), tensorArg(op, 'beta', beta, 1)], a), op);
}

export async function groupNormBackwardInput(dy: Tensor, x: Tensor, gamma: Tensor, opts: GroupNormOptions): Promise<Tensor> {
  const op = 'group_norm_backward_input';
  tensorArg(op, 'x', x, 4);
  const a = groupsOf(op, x, opts);
  return one(await runOp(op, [tensorArg(op, 'dy', dy, 4), x, tensorArg(op, 'gamma', gamma, 1)], a), op);
}

export async function groupNormBackwardParams(dy: Tensor, x: Tensor, opts: GroupNormOptions): Promise<NormParamGrads> {
  const op = 'group_norm_backward_params';
  tensorArg(op, 'x', x, 4);
  const a = groupsOf(op, x, opts);
  return params(op, [tensorArg(op, 'dy', dy, 4), x], a);
}

function pixelStd(op: string, C: number | undefined, std: unknown): number[] {
  return numberList(op, 'std', std, C, (s, i) => {
    if (!(s > 0)) throw new TypeError(`${op}: expected \`std[${i}]\` > 0, received ${s}`);
  });
}

/** (x - mean[c]) / std[c] over the last dim: the first op of every model (pixel space to network space). */
export async function pixelNormalize(x: Tensor, opts: PixelNormalizeOptions): Promise<Tensor> {
  const op = 'pixel_normalize';
  tensorArg(op, 'x', x);
  const o = options(op, opts, ['mean', 'std']);
  const C = x.shape[x.shape.length - 1];
  const mean = numberList(op, 'mean', o.mean, C);
  const std = pixelStd(op, C, o.std);
  return one(await runOp(op, [x], { mean, std }), op);
}

export async function pixelNormalizeBackward(dy: Tensor, opts: { std: number[] }): Promise<Tensor> {
  const op = 'pixel_normalize_backward';
  tensorArg(op, 'dy', dy);
  const o = options(op, opts, ['std']);
  const std = pixelStd(op, dy.shape[dy.shape.length - 1], o.std);
  return one(await runOp(op, [dy], { std }), op);
}
