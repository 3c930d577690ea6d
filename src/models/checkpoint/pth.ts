// PyTorch zip checkpoints (torch.save >= 1.6): the zip's data.pkl rebuilt by the restricted unpickler, tensor
// bytes read from data/<key>, strided views gathered into contiguous float32.
import { DTYPE_BYTES, FLOAT_DTYPES, toFloat32 } from './dtypes.js';
import { CheckpointError } from './errors.js';
import type { CheckpointTensor } from './state_dict.js';
import { type PyValue, type TensorRef, unpickle } from './unpickler.js';
import { readZipDirectory, readZipEntry, type ZipEntry } from './zip.js';

export function isLegacyTorch(buf: Buffer): boolean {
  // protocol-2 pickle of the legacy magic number 0x1950a86a20f9469cfc6c
  return buf.length >= 4 && buf[0] === 0x80 && buf[1] === 0x02 && buf[2] === 0x8a && buf[3] === 0x0a;
}

export interface PthContents {
  root: PyValue;
  tensor: (ref: TensorRef, name: string) => CheckpointTensor;
}

export function readPth(buf: Buffer, file: string): PthContents {
  const entries = readZipDirectory(buf, file);
  const pkl = entries.find((e) => e.name === 'data.pkl' || e.name.endsWith('/data.pkl'));
  if (!pkl) throw new CheckpointError('LKR_CKPT_FORMAT', `${file}: zip file without data.pkl: not a PyTorch checkpoint`);
  const prefix = pkl.name.slice(0, pkl.name.length - 'data.pkl'.length);
  const byName = new Map<string, ZipEntry>(entries.map((e) => [e.name, e]));
  const root = unpickle(readZipEntry(buf, pkl, file), file);
  const storages = new Map<string, Buffer>();

  const tensor = (ref: TensorRef, name: string): CheckpointTensor => {
    const { storage, size, stride, offset } = ref;
    const count = size.reduce((a, b) => a * b, 1);
    if (!FLOAT_DTYPES.has(storage.dtype)) return { shape: size, dtype: storage.dtype, data: null };
    let bytes = storages.get(storage.key);
    if (!bytes) {
      const entry = byName.get(`${prefix}data/${storage.key}`);
      if (!entry) throw new CheckpointError('LKR_CKPT_TRUNCATED', `${file}: storage data/${storage.key} of "${name}" is missing`);
      bytes = readZipEntry(buf, entry, file);
      storages.set(storage.key, bytes);
    }
    const el = DTYPE_BYTES[storage.dtype];
    const contiguous = isContiguous(size, stride);
    // The furthest element the view touches must lie inside the storage.
    let last = offset;
    for (let i = 0; i < size.length; i++) if (size[i] > 0) last += (size[i] - 1) * stride[i];
    if (count > 0 && (last + 1) * el > bytes.length) {
      throw new CheckpointError('LKR_CKPT_TRUNCATED', `${file}: tensor "${name}" reaches past its storage (${bytes.length} bytes)`);
    }
    if (contiguous) {
      return { shape: size, dtype: storage.dtype, data: toFloat32(bytes.subarray(offset * el), storage.dtype, count, `${file}: "${name}"`) };
    }
    const all = toFloat32(bytes, storage.dtype, Math.floor(bytes.length / el), `${file}: "${name}"`);
    const out = new Float32Array(count);
    const idx = new Array<number>(size.length).fill(0);
    for (let i = 0; i < count; i++) {
      let src = offset;
      for (let d = 0; d < size.length; d++) src += idx[d] * stride[d];
      out[i] = all[src];
      for (let d = size.length - 1; d >= 0; d--) {
        if (++idx[d] < size[d]) break;
        idx[d] = 0;
      }
    }
    return { shape: size, dtype: storage.dtype, data: out };
  };
  return { root, tensor };
}

function isContiguous(size: number[], stride: number[]): boolean {
  let expect = 1;
  for (let i = size.length - 1; i >= 0; i--) {
    if (size[i] !== 1 && stride[i] !== expect) return false;
    expect *= size[i];
  }
  return true;
}
