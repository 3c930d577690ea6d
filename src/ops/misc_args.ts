// Option and argument checks shared by the typed op wrappers of the norm, activation, elementwise, pooling,
// attention and loss families: each throws a TypeError naming the option, what was expected and what was
// received. Shapes themselves are checked again by the engine.
import type { Tensor } from '../native.js';

export function describe(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(describe).join(', ')}]`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof Float32Array) return `Float32Array(${v.length})`;
  if (typeof v === 'object' && v !== null) return `{${Object.keys(v).join(', ')}}`;
  return String(v);
}

export function options<T extends object>(op: string, opts: T | undefined, allowed: string[]): T {
  if (opts === undefined) return {} as T;
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) {
    throw new TypeError(`${op}: expected options an object, received ${describe(opts)}`);
  }
  for (const k of Object.keys(opts)) {
    if (!allowed.includes(k)) throw new TypeError(`${op}: unknown option \`${k}\` (expected ${allowed.join(', ') || 'none'})`);
  }
  return opts;
}

export function tensorArg(op: string, name: string, t: unknown, rank?: number): Tensor {
  const ok = typeof t === 'object' && t !== null && Array.isArray((t as Tensor).shape) && (t as Tensor).data instanceof Float32Array;
  if (!ok) throw new TypeError(`${op}: expected \`${name}\` a tensor { shape, data: Float32Array }, received ${describe(t)}`);
  const shape = (t as Tensor).shape;
  if (rank !== undefined && shape.length !== rank) {
    throw new TypeError(`${op}: expected \`${name}\` of rank ${rank}, received shape [${shape}]`);
  }
  return t as Tensor;
}

export function intArg(op: string, name: string, v: unknown, min: number, dflt?: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new TypeError(`${op}: expected \`${name}\` an integer >= ${min}, received ${describe(v)}`);
  }
  return v;
}

export function numberArg(op: string, name: string, v: unknown, dflt: number, min = -Infinity): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    const bound = min === -Infinity ? '' : ` >= ${min}`;
    throw new TypeError(`${op}: expected \`${name}\` a finite number${bound}, received ${describe(v)}`);
  }
  return v;
}

/** A required finite number. */
export function finiteArg(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${op}: expected \`${name}\` a finite number, received ${describe(v)}`);
  return v;
}

export function boolArg(op: string, name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new TypeError(`${op}: expected \`${name}\` a boolean, received ${describe(v)}`);
  return v;
}

export function enumArg<T extends string>(op: string, name: string, v: unknown, values: readonly T[], dflt: T): T {
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    throw new TypeError(`${op}: expected \`${name}\` one of ${values.map((s) => JSON.stringify(s)).join(', ')}, received ${describe(v)}`);
  }
  return v as T;
}

/** A list of `length` finite numbers (each checked by `each` when given). */
export function numberList(op: string, name: string, v: unknown, length?: number, each?: (x: number, i: number) => void): number[] {
  const arr = v instanceof Float32Array ? [...v] : v;
  if (!Array.isArray(arr) || !arr.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new TypeError(`${op}: expected \`${name}\` an array of finite numbers, received ${describe(v)}`);
  }
  if (length !== undefined && arr.length !== length) {
    throw new TypeError(`${op}: expected \`${name}\` of length ${length}, received ${arr.length}`);
  }
  if (each) arr.forEach(each);
  return arr;
}

export function shapeArg(op: string, name: string, s: unknown, rank?: number): number[] {
  if (!Array.isArray(s) || (rank !== undefined && s.length !== rank) || !s.every((d) => Number.isInteger(d) && d >= 0)) {
    const what = rank === undefined ? 'non-negative integers' : `${rank} non-negative integers`;
    throw new TypeError(`${op}: expected \`${name}\` ${what}, received ${describe(s)}`);
  }
  return s;
}

export function one(outs: (Tensor | null)[], op: string): Tensor {
  const y = outs[0];
  if (!y) throw new Error(`${op}: the engine returned no output`);
  return y;
}
