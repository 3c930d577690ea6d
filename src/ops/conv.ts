// Typed, promise-based conv2d family over the engine (native/core/ops/conv.h). Activations NHWC, weights
// (Cout, Cin/groups, KH, KW) as in PyTorch. Options are validated here; shapes are checked by the engine.
import { runOp, type OpAttrs, type Tensor } from '../native.js';

/** A size for both spatial axes, or [h, w]. */
export type Pair = number | [number, number];
/** Same padding everywhere, [h, w], or [top, bottom, left, right]. */
export type Padding = number | [number, number] | [number, number, number, number];

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Padding;
  dilation?: Pair;
  groups?: number;
}

export interface ConvParamGrads {
  dw: Tensor;
  db: Tensor | null;
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(describe).join(', ')}]`;
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

function intAtLeast(op: string, name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new TypeError(`${op}: expected \`${name}\` an integer >= ${min}, received ${describe(v)}`);
  }
  return v;
}

function pair(op: string, name: string, v: Pair | undefined, dflt: number, min: number): [number, number] {
  if (v === undefined) return [dflt, dflt];
  if (typeof v === 'number') return [intAtLeast(op, name, v, min), intAtLeast(op, name, v, min)];
  if (!Array.isArray(v) || v.length !== 2) {
    throw new TypeError(`${op}: expected \`${name}\` a number or [h, w], received ${describe(v)}`);
  }
  return [intAtLeast(op, `${name}[0]`, v[0], min), intAtLeast(op, `${name}[1]`, v[1], min)];
}

/** Padding as [top, bottom, left, right]. */
function padding(op: string, v: Padding | undefined): [number, number, number, number] {
  if (v === undefined) return [0, 0, 0, 0];
  if (Array.isArray(v) && v.length === 4) {
    const [t, b, l, r] = v.map((p, i) => intAtLeast(op, `padding[${i}]`, p, 0));
    return [t, b, l, r];
  }
  if (typeof v !== 'number' && !(Array.isArray(v) && v.length === 2)) {
    throw new TypeError(`${op}: expected \`padding\` a number, [h, w] or [top, bottom, left, right], received ${describe(v)}`);
  }
  const [h, w] = pair(op, 'padding', v as Pair, 0, 0);
  return [h, h, w, w];
}

function checkTensor(op: string, name: string, t: unknown, rank?: number): Tensor {
  const ok = typeof t === 'object' && t !== null && Array.isArray((t as Tensor).shape) && (t as Tensor).data instanceof Float32Array;
  if (!ok) throw new TypeError(`${op}: expected \`${name}\` a tensor { shape, data: Float32Array }, received ${describe(t)}`);
  const shape = (t as Tensor).shape;
  if (rank !== undefined && shape.length !== rank) {
    throw new TypeError(`${op}: expected \`${name}\` of rank ${rank}, received shape [${shape}]`);
  }
  return t as Tensor;
}

function checkShape(op: string, name: string, s: unknown, rank: number): number[] {
  if (!Array.isArray(s) || s.length !== rank || !s.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new TypeError(`${op}: expected \`${name}\` ${rank} non-negative integers, received ${describe(s)}`);
  }
  return s;
}

/** The engine's conv attributes (snake_case, explicit per side) from user options. */
export function conv2dAttrs(opts: Conv2dOptions = {}, op = 'conv2d'): OpAttrs {
  if (typeof opts !== 'object' || opts === null) throw new TypeError(`${op}: expected options an object, received ${describe(opts)}`);
  for (const k of Object.keys(opts)) {
    if (!['stride', 'padding', 'dilation', 'groups'].includes(k)) {
      throw new TypeError(`${op}: unknown option \`${k}\` (expected stride, padding, dilation, groups)`);
    }
  }
  const [stride_h, stride_w] = pair(op, 'stride', opts.stride, 1, 1);
  const [dil_h, dil_w] = pair(op, 'dilation', opts.dilation, 1, 1);
  const [pad_t, pad_b, pad_l, pad_r] = padding(op, opts.padding);
  const groups = opts.groups === undefined ? 1 : intAtLeast(op, 'groups', opts.groups, 1);
  return { stride_h, stride_w, pad_t, pad_b, pad_l, pad_r, dil_h, dil_w, groups };
}

/** y (N, OH, OW, Cout) = conv(x (N, H, W, Cin), w (Cout, Cin/groups, KH, KW)) + b (Cout). */
export async function conv2d(x: Tensor, w: Tensor, b: Tensor | null = null, opts: Conv2dOptions = {}): Promise<Tensor> {
  const attrs = conv2dAttrs(opts);
  checkTensor('conv2d', 'x', x, 4);
  checkTensor('conv2d', 'w', w, 4);
  if (b !== null) checkTensor('conv2d', 'b', b, 1);
  const [y] = await runOp('conv2d', [x, w, b], attrs);
  return y as Tensor;
}

/** dL/dx for dL/dy = dy. */
export async function conv2dBackwardInput(dy: Tensor, w: Tensor, xShape: number[], opts: Conv2dOptions = {}): Promise<Tensor> {
  const op = 'conv2d_backward_input';
  const attrs = conv2dAttrs(opts, op);
  checkTensor(op, 'dy', dy, 4);
  checkTensor(op, 'w', w, 4);
  const [dx] = await runOp(op, [dy, w], { ...attrs, x_shape: checkShape(op, 'xShape', xShape, 4) });
  return dx as Tensor;
}

/** dL/dw (and dL/db when `withBias`) for dL/dy = dy at input x. */
export async function conv2dBackwardParams(
  dy: Tensor,
  x: Tensor,
  wShape: number[],
  withBias: boolean,
  opts: Conv2dOptions = {},
): Promise<ConvParamGrads> {
  const op = 'conv2d_backward_params';
  const attrs = conv2dAttrs(opts, op);
  checkTensor(op, 'dy', dy, 4);
  checkTensor(op, 'x', x, 4);
  if (typeof withBias !== 'boolean') throw new TypeError(`${op}: expected \`withBias\` a boolean, received ${describe(withBias)}`);
  const [dw, db] = await runOp(op, [dy, x], { ...attrs, w_shape: checkShape(op, 'wShape', wShape, 4), with_bias: withBias });
  return { dw: dw as Tensor, db };
}

function checkEps(op: string, eps: unknown): number {
  if (typeof eps !== 'number' || !Number.isFinite(eps) || eps < 0) {
    throw new TypeError(`${op}: expected \`eps\` a finite number >= 0, received ${describe(eps)}`);
  }
  return eps;
}

/** BiT's weight standardisation: per output channel (w - mean) / sqrt(var + eps), biased variance. */
export async function weightStandardize(w: Tensor, eps = 1e-8): Promise<Tensor> {
  checkTensor('weight_standardize', 'w', w);
  const [y] = await runOp('weight_standardize', [w], { eps: checkEps('weight_standardize', eps) });
  return y as Tensor;
}

/** dL/dw for dL/dw' = dwstd, where w' = weightStandardize(w, eps). */
export async function weightStandardizeBackward(dwstd: Tensor, w: Tensor, eps = 1e-8): Promise<Tensor> {
  const op = 'weight_standardize_backward';
  checkTensor(op, 'dwstd', dwstd);
  checkTensor(op, 'w', w);
  const [dw] = await runOp(op, [dwstd, w], { eps: checkEps(op, eps) });
  return dw as Tensor;
}
