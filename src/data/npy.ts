// .npy read/write (format versions 1.0 to 3.0, little-endian, C order): float32 and float64 arrays, plus
// int32/int64/uint8 read as numbers (labels). Layout facts: REFERENCE.md §2.3.
import { readFileSync, writeFileSync } from 'node:fs';

import { LkrError } from '../util/lkr_error.js';

export interface NpyArray {
  shape: number[];
  data: Float32Array | Float64Array;
}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);

export type NpyErrorCode =
  | 'LKR_NPY_FORMAT' // no magic, unknown version, a header that is not the expected dict
  | 'LKR_NPY_TRUNCATED' // shorter than its header says
  | 'LKR_NPY_DTYPE' // a dtype or memory order we do not read
  | 'LKR_NPY_SHAPE' // a dimension that is negative, not an integer, or too large; the wrong shape for its use
  | 'LKR_NPY_RANGE'; // values outside the range the input is read in

export class NpyError extends LkrError {
  declare readonly code: NpyErrorCode;
  constructor(file: string, why: string, code: NpyErrorCode = 'LKR_NPY_FORMAT') {
    super(code, `${file}: not a readable .npy file: ${why}`);
    this.name = 'NpyError';
  }
}

/** numpy's own bound on a header it will parse (numpy.lib.format, max_header_size). */
const MAX_HEADER_BYTES = 10000;

function parseHeader(text: string, file: string): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new NpyError(file, `header is not a dict with descr, fortran_order and shape: ${text.trim().slice(0, 200)}`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const n = /^\d+L?$/.test(s) ? Number(s.replace(/L$/, '')) : NaN;
      if (!Number.isSafeInteger(n)) throw new NpyError(file, `expected non-negative integer dimensions, found "${s.slice(0, 40)}" in the shape`, 'LKR_NPY_SHAPE');
      return n;
    });
  return { descr, fortran: fortran === 'True', shape };
}

export function parseNpy(buf: Buffer, file = '<buffer>'): NpyArray {
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) {
    const found = buf.length < 10 ? `a file of ${buf.length} bytes` : `0x${buf.subarray(0, 6).toString('hex')}`;
    throw new NpyError(file, `missing the \\x93NUMPY magic (expected 0x934e554d5059, found ${found})`);
  }
  const major = buf[6];
  if (major < 1 || major > 3) throw new NpyError(file, `unsupported format version ${major}.${buf[7]} (expected 1.0 to 3.0)`);
  const start = major === 1 ? 10 : 12;
  if (buf.length < start) throw new NpyError(file, `truncated: ${buf.length} bytes, the version ${major} preamble needs ${start}`, 'LKR_NPY_TRUNCATED');
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  if (headerLen > MAX_HEADER_BYTES) throw new NpyError(file, `header of ${headerLen} bytes, numpy reads at most ${MAX_HEADER_BYTES}`);
  if (start + headerLen > buf.length) throw new NpyError(file, `truncated header: ${headerLen} bytes declared, ${buf.length - start} present`, 'LKR_NPY_TRUNCATED');
  const { descr, fortran, shape } = parseHeader(buf.toString('latin1', start, start + headerLen), file);
  if (fortran) throw new NpyError(file, 'Fortran-ordered arrays are not supported (save with np.ascontiguousarray)', 'LKR_NPY_DTYPE');
  const n = shape.reduce((a, b) => a * b, 1);
  const body = buf.subarray(start + headerLen);
  const sizes: Partial<Record<string, number>> = { '<f4': 4, '<f8': 8, '<i4': 4, '<i8': 8, '|u1': 1, '<u1': 1, '|b1': 1 };
  const size = Object.hasOwn(sizes, descr) ? sizes[descr] : undefined;
  if (size === undefined) throw new NpyError(file, `unsupported dtype '${descr.slice(0, 40)}' (expected float32, float64 or integers)`, 'LKR_NPY_DTYPE');
  if (body.length < n * size) throw new NpyError(file, `truncated data: shape (${shape.join(', ')}) needs ${n * size} bytes, found ${body.length}`, 'LKR_NPY_TRUNCATED');
  const raw = Buffer.from(body.subarray(0, n * size)); // aligned copy
  const ab = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length);
  switch (descr) {
    case '<f4':
      return { shape, data: new Float32Array(ab) };
    case '<f8':
      return { shape, data: new Float64Array(ab) };
    case '<i4':
      return { shape, data: Float64Array.from(new Int32Array(ab)) };
    case '<i8':
      return { shape, data: Float64Array.from(new BigInt64Array(ab), (v) => Number(v)) };
    default:
      return { shape, data: Float64Array.from(new Uint8Array(ab)) };
  }
}

export function readNpy(file: string): NpyArray {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new NpyError(file, `cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseNpy(buf, file);
}

export function encodeNpy(shape: number[], data: Float32Array | Float64Array): Buffer {
  const descr = data instanceof Float64Array ? '<f8' : '<f4';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  MAGIC.copy(pre, 0);
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  return Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

export function writeNpy(file: string, shape: number[], data: Float32Array | Float64Array): void {
  writeFileSync(file, encodeNpy(shape, data));
}
