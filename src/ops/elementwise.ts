// Typed, promise-based elementwise family over the engine (native/core/ops/elementwise.h). `b` is either a's
// shape or 1-D of a's last dim, broadcast over the rows (a bias or a per-channel scale); its gradient comes
// back reduced to its own shape.
import { runOp, type Tensor } from '../native.js';
import { describe, finiteArg, one, shapeArg, tensorArg } from './misc_args.js';

export interface BinaryGrads {
  da: Tensor;
  db: Tensor;
}

function sameOrRow(op: string, name: string, a: number[], b: number[]): void {
  const same = b.length === a.length && b.every((d, i) => d === a[i]);
  const row = b.length === 1 && a.length >= 1 && b[0] === a[a.length - 1];
  if (!same && !row) {
    throw new TypeError(`${op}: expected ${name} [${a.join(', ')}] or [${a[a.length - 1]}], received ${describe(b)}`);
  }
}

async function grads(op: string, ins: Tensor[], attrs = {}): Promise<BinaryGrads> {
  const [da, db] = await runOp(op, ins, attrs);
  if (!da || !db) throw new Error(`${op}: the engine returned no gradients`);
  return { da, db };
}

async function binary(op: 'add' | 'mul', a: Tensor, b: Tensor): Promise<Tensor> {
  tensorArg(op, 'a', a);
  tensorArg(op, 'b', b);
  sameOrRow(op, 'b of shape', a.shape, b.shape);
  return one(await runOp(op, [a, b]), op);
}

/** a + b (b a's shape or a row over the last dim). */
export const add = (a: Tensor, b: Tensor): Promise<Tensor> => binary('add', a, b);

/** a * b (b a's shape or a row over the last dim). */
export const mul = (a: Tensor, b: Tensor): Promise<Tensor> => binary('mul', a, b);

/** da = dy; db = dy, summed over the rows when b was a row. */
export async function addBackward(dy: Tensor, bShape: number[]): Promise<BinaryGrads> {
  const op = 'add_backward';
  tensorArg(op, 'dy', dy);
  sameOrRow(op, '`bShape`', dy.shape, shapeArg(op, 'bShape', bShape));
  return grads(op, [dy], { b_shape: bShape });
}

/** da = dy * b; db = dy * a, summed over the rows when b was a row. */
export async function mulBackward(dy: Tensor, a: Tensor, b: Tensor): Promise<BinaryGrads> {
  const op = 'mul_backward';
  tensorArg(op, 'dy', dy);
  tensorArg(op, 'a', a);
  tensorArg(op, 'b', b);
  sameOrRow(op, 'b of shape', a.shape, b.shape);
  return grads(op, [dy, a, b]);
}

export async function scale(x: Tensor, s: number): Promise<Tensor> {
  const op = 'scale';
  tensorArg(op, 'x', x);
  return one(await runOp(op, [x], { s: finiteArg(op, 's', s) }), op);
}

export async function scaleBackward(dy: Tensor, s: number): Promise<Tensor> {
  const op = 'scale_backward';
  tensorArg(op, 'dy', dy);
  return one(await runOp(op, [dy], { s: finiteArg(op, 's', s) }), op);
}

function dimsArg(op: string, x: Tensor, dims: unknown): number[] {
  const r = x.shape.length;
  const ok = Array.isArray(dims) && dims.length === r && [...dims].sort((p, q) => p - q).every((d, i) => d === i);
  if (!ok) throw new TypeError(`${op}: expected \`dims\` a permutation of 0..${r - 1}, received ${describe(dims)}`);
  return dims as number[];
}

/** y.shape[i] = x.shape[dims[i]] (e.g. [0, 3, 1, 2]: NHWC to NCHW). */
export async function permute(x: Tensor, dims: number[]): Promise<Tensor> {
  const op = 'permute';
  tensorArg(op, 'x', x);
  return one(await runOp(op, [x], { dims: dimsArg(op, x, dims) }), op);
}

/** dx for y = permute(x, dims), given dy (y's shape). */
export async function permuteBackward(dy: Tensor, dims: number[]): Promise<Tensor> {
  const op = 'permute_backward';
  tensorArg(op, 'dy', dy);
  return one(await runOp(op, [dy], { dims: dimsArg(op, dy, dims) }), op);
}
