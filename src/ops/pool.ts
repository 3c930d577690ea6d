// Typed, promise-based pooling family over the engine (native/core/ops/pool.h), NHWC. Options follow
// torch.nn.functional: kernelSize, stride (default: the kernel), padding, countIncludePad (avg only, default
// true); padding may also be [top, bottom, left, right], which PyTorch's pools do not offer.
import { runOp, type OpAttrs, type Tensor } from '../native.js';
import { boolArg, describe, intArg, numberArg, one, options, shapeArg, tensorArg } from './misc_args.js';

export type Pair = number | [number, number];
export type Padding = number | [number, number] | [number, number, number, number];

export interface Pool2dOptions {
  kernelSize: Pair;
  /** Default: kernelSize. */
  stride?: Pair;
  padding?: Padding;
  /** Average pooling: divide by the window including its padding (true, default) or by its real taps. */
  countIncludePad?: boolean;
}

export interface Pad2dOptions {
  padding: Padding;
  value?: number;
}

function pair(op: string, name: string, v: unknown, min: number): [number, number] {
  if (typeof v === 'number') return [intArg(op, name, v, min), intArg(op, name, v, min)];
  if (!Array.isArray(v) || v.length !== 2) throw new TypeError(`${op}: expected \`${name}\` a number or [h, w], received ${describe(v)}`);
  return [intArg(op, `${name}[0]`, v[0], min), intArg(op, `${name}[1]`, v[1], min)];
}

/** [top, bottom, left, right]. */
function padding(op: string, v: unknown): [number, number, number, number] {
  if (v === undefined) return [0, 0, 0, 0];
  if (Array.isArray(v) && v.length === 4) {
    const [t, b, l, r] = v.map((p, i) => intArg(op, `padding[${i}]`, p, 0));
    return [t, b, l, r];
  }
  if (typeof v !== 'number' && !(Array.isArray(v) && v.length === 2)) {
    throw new TypeError(`${op}: expected \`padding\` a number, [h, w] or [top, bottom, left, right], received ${describe(v)}`);
  }
  const [h, w] = pair(op, 'padding', v, 0);
  return [h, h, w, w];
}

/** The engine's pool attributes from user options. */
export function pool2dAttrs(opts: Pool2dOptions, op = 'pool2d'): OpAttrs {
  const o = options(op, opts, ['kernelSize', 'stride', 'padding', 'countIncludePad']);
  const [kernel_h, kernel_w] = pair(op, 'kernelSize', o.kernelSize, 1);
  const [stride_h, stride_w] = o.stride === undefined ? [kernel_h, kernel_w] : pair(op, 'stride', o.stride, 1);
  const [pad_t, pad_b, pad_l, pad_r] = padding(op, o.padding);
  if (pad_t >= kernel_h || pad_b >= kernel_h || pad_l >= kernel_w || pad_r >= kernel_w) {
    throw new TypeError(`${op}: expected each padding smaller than the kernel ${kernel_h}x${kernel_w}, received [${[pad_t, pad_b, pad_l, pad_r]}]`);
  }
  const count_include_pad = boolArg(op, 'countIncludePad', o.countIncludePad, true);
  return { kernel_h, kernel_w, stride_h, stride_w, pad_t, pad_b, pad_l, pad_r, count_include_pad };
}

export async function avgPool2d(x: Tensor, opts: Pool2dOptions): Promise<Tensor> {
  const op = 'avg_pool2d';
  const attrs = pool2dAttrs(opts, op);
  return one(await runOp(op, [tensorArg(op, 'x', x, 4)], attrs), op);
}

export async function avgPool2dBackward(dy: Tensor, xShape: number[], opts: Pool2dOptions): Promise<Tensor> {
  const op = 'avg_pool2d_backward';
  const attrs = pool2dAttrs(opts, op);
  return one(await runOp(op, [tensorArg(op, 'dy', dy, 4)], { ...attrs, x_shape: shapeArg(op, 'xShape', xShape, 4) }), op);
}

/** Max pooling; padding counts as -inf (never selected). */
export async function maxPool2d(x: Tensor, opts: Pool2dOptions): Promise<Tensor> {
  const op = 'max_pool2d';
  const attrs = pool2dAttrs(opts, op);
  return one(await runOp(op, [tensorArg(op, 'x', x, 4)], attrs), op);
}

/** dL/dx: each dy to its window's first maximum (as PyTorch). */
export async function maxPool2dBackward(dy: Tensor, x: Tensor, opts: Pool2dOptions): Promise<Tensor> {
  const op = 'max_pool2d_backward';
  const attrs = pool2dAttrs(opts, op);
  return one(await runOp(op, [tensorArg(op, 'dy', dy, 4), tensorArg(op, 'x', x, 4)], attrs), op);
}

/** (N, H, W, C) -> (N, C). */
export async function globalAvgPool(x: Tensor): Promise<Tensor> {
  const op = 'global_avg_pool';
  return one(await runOp(op, [tensorArg(op, 'x', x, 4)]), op);
}

export async function globalAvgPoolBackward(dy: Tensor, xShape: number[]): Promise<Tensor> {
  const op = 'global_avg_pool_backward';
  return one(await runOp(op, [tensorArg(op, 'dy', dy, 2)], { x_shape: shapeArg(op, 'xShape', xShape, 4) }), op);
}

function padAttrs(op: string, opts: Pad2dOptions, withValue: boolean): OpAttrs {
  const o = options(op, opts, withValue ? ['padding', 'value'] : ['padding']);
  const [pad_t, pad_b, pad_l, pad_r] = padding(op, o.padding);
  return withValue ? { pad_t, pad_b, pad_l, pad_r, value: numberArg(op, 'value', o.value, 0) } : { pad_t, pad_b, pad_l, pad_r };
}

/** Constant padding of H and W. */
export async function pad2d(x: Tensor, opts: Pad2dOptions): Promise<Tensor> {
  const op = 'pad2d';
  const attrs = padAttrs(op, opts, true);
  return one(await runOp(op, [tensorArg(op, 'x', x, 4)], attrs), op);
}

/** dL/dx: the interior of dy. */
export async function pad2dBackward(dy: Tensor, opts: { padding: Padding }): Promise<Tensor> {
  const op = 'pad2d_backward';
  const attrs = padAttrs(op, opts, false);
  return one(await runOp(op, [tensorArg(op, 'dy', dy, 4)], attrs), op);
}
