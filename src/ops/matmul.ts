// Typed, promise-based GEMM family over the engine (native/core/ops/matmul.h). Shapes are checked by the
// engine (its messages name expected and received shapes); the arguments' kinds are checked here.
import { runOp, type Tensor } from '../native.js';

export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
}

export interface LinearParamGrads {
  dw: Tensor;
  db: Tensor | null;
}

export interface MatmulGrads {
  da: Tensor;
  db: Tensor;
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(describe).join(', ')}]`;
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

function checkTensor(op: string, name: string, t: unknown, minRank: number): Tensor {
  const ok = typeof t === 'object' && t !== null && Array.isArray((t as Tensor).shape) && (t as Tensor).data instanceof Float32Array;
  if (!ok) throw new TypeError(`${op}: expected \`${name}\` a tensor { shape, data: Float32Array }, received ${describe(t)}`);
  const shape = (t as Tensor).shape;
  if (shape.length < minRank) throw new TypeError(`${op}: expected \`${name}\` of rank >= ${minRank}, received shape [${shape}]`);
  return t as Tensor;
}

function transFlags(op: string, opts: MatmulOptions): { trans_a: boolean; trans_b: boolean } {
  if (typeof opts !== 'object' || opts === null) throw new TypeError(`${op}: expected options an object, received ${describe(opts)}`);
  for (const k of Object.keys(opts)) {
    if (k !== 'transA' && k !== 'transB') throw new TypeError(`${op}: unknown option \`${k}\` (expected transA, transB)`);
  }
  const { transA = false, transB = false } = opts;
  if (typeof transA !== 'boolean') throw new TypeError(`${op}: expected \`transA\` a boolean, received ${describe(transA)}`);
  if (typeof transB !== 'boolean') throw new TypeError(`${op}: expected \`transB\` a boolean, received ${describe(transB)}`);
  return { trans_a: transA, trans_b: transB };
}

/** y (..., out) = x (..., in) @ w^T + b, with w (out, in) and b (out) or null. */
export async function linear(x: Tensor, w: Tensor, b: Tensor | null = null): Promise<Tensor> {
  checkTensor('linear', 'x', x, 1);
  checkTensor('linear', 'w', w, 2);
  if (b !== null) checkTensor('linear', 'b', b, 1);
  const [y] = await runOp('linear', [x, w, b]);
  return y as Tensor;
}

/** dL/dx (..., in) for dL/dy = dy (..., out). */
export async function linearBackwardInput(dy: Tensor, w: Tensor): Promise<Tensor> {
  checkTensor('linear_backward_input', 'dy', dy, 1);
  checkTensor('linear_backward_input', 'w', w, 2);
  const [dx] = await runOp('linear_backward_input', [dy, w]);
  return dx as Tensor;
}

/** dL/dw (out, in) and, when `withBias`, dL/db (out). */
export async function linearBackwardParams(dy: Tensor, x: Tensor, withBias: boolean): Promise<LinearParamGrads> {
  const op = 'linear_backward_params';
  checkTensor(op, 'dy', dy, 1);
  checkTensor(op, 'x', x, 1);
  if (typeof withBias !== 'boolean') throw new TypeError(`${op}: expected \`withBias\` a boolean, received ${describe(withBias)}`);
  const [dw, db] = await runOp(op, [dy, x], { with_bias: withBias });
  return { dw: dw as Tensor, db };
}

/** (B..., M, N) = op(a) @ op(b); op transposes the last two dims when transA / transB. No broadcasting. */
export async function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Promise<Tensor> {
  const flags = transFlags('matmul', opts);
  checkTensor('matmul', 'a', a, 2);
  checkTensor('matmul', 'b', b, 2);
  const [y] = await runOp('matmul', [a, b], flags);
  return y as Tensor;
}

/** dL/da and dL/db (shaped like a and b) for dL/dy = dy. */
export async function matmulBackward(dy: Tensor, a: Tensor, b: Tensor, opts: MatmulOptions = {}): Promise<MatmulGrads> {
  const flags = transFlags('matmul_backward', opts);
  checkTensor('matmul_backward', 'dy', dy, 2);
  checkTensor('matmul_backward', 'a', a, 2);
  checkTensor('matmul_backward', 'b', b, 2);
  const [da, db] = await runOp('matmul_backward', [dy, a, b], flags);
  return { da: da as Tensor, db: db as Tensor };
}
