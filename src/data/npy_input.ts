// A .npy batch given as model input (predict --input): float (N, H, W, 3) pixels, checked to lie in the range
// the caller says they are in, then scaled to [0, 1]. uint8-style 0..255 values read as [0, 1] would pass
// through a model silently wrong, so values outside the declared range are refused by name.
import { type NpyArray, NpyError, readNpy } from './npy.js';

export const INPUT_RANGES = ['0-1', '0-255', 'as-is'] as const;
export type InputRange = (typeof INPUT_RANGES)[number];

export function readNpyInput(file: string, range: InputRange = '0-1'): { shape: number[]; data: Float32Array } {
  return npyAsInput(readNpy(file), file, range);
}

/** A parsed .npy checked and scaled as model input; `file` names it in errors. */
export function npyAsInput(a: NpyArray, file: string, range: InputRange = '0-1'): { shape: number[]; data: Float32Array } {
  if (a.shape.length !== 4 || a.shape[3] !== 3) {
    throw new NpyError(file, `expected shape (N, H, W, 3), found (${a.shape.join(', ')})`, 'LKR_NPY_SHAPE');
  }
  const data = a.data instanceof Float32Array ? a.data : Float32Array.from(a.data);
  const max = range === '0-255' ? 255 : range === '0-1' ? 1 : Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) throw new NpyError(file, `element ${i} is ${v}, expected finite pixel values`, 'LKR_NPY_RANGE');
    if (v < 0 ? max !== Infinity : v > max) {
      const hint = range === '0-1' && v <= 255 ? ' (for 0..255 pixels pass --input-range 0-255)' : '';
      throw new NpyError(file, `element ${i} is ${v}, outside [0, ${max}] for --input-range ${range}${hint}`, 'LKR_NPY_RANGE');
    }
  }
  if (range !== '0-255') return { shape: a.shape, data };
  const scaled = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) scaled[i] = data[i] / 255;
  return { shape: a.shape, data: scaled };
}
