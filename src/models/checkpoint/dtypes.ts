// Tensor dtypes as safetensors names them, and their conversion to float32.
import { CheckpointError } from './errors.js';

export type DType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export const DTYPE_BYTES: Record<DType, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

export const FLOAT_DTYPES: ReadonlySet<DType> = new Set<DType>(['F64', 'F32', 'F16', 'BF16']);

export function isDType(s: string): s is DType {
  return Object.prototype.hasOwnProperty.call(DTYPE_BYTES, s);
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Reads `count` little-endian elements of a float dtype at `bytes` into a new (or zero-copy) Float32Array. */
export function toFloat32(bytes: Buffer, dtype: DType, count: number, what: string): Float32Array {
  const need = count * DTYPE_BYTES[dtype];
  if (bytes.length < need) {
    throw new CheckpointError('LKR_CKPT_TRUNCATED', `${what}: needs ${need} bytes of ${dtype}, file has ${bytes.length}`);
  }
  switch (dtype) {
    case 'F32':
      if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, count);
      return new Float32Array(Uint8Array.prototype.slice.call(bytes, 0, need).buffer);
    case 'F64': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = bytes.readDoubleLE(i * 8);
      return out;
    }
    case 'F16': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = halfToFloat(bytes.readUInt16LE(i * 2));
      return out;
    }
    case 'BF16': {
      const out = new Float32Array(count);
      const u = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) u[i] = bytes.readUInt16LE(i * 2) << 16;
      return out;
    }
    default:
      throw new CheckpointError(
        'LKR_CKPT_DTYPE',
        `${what}: dtype ${dtype} is not a floating-point type (expected F32, F16, BF16 or F64)`,
      );
  }
}
