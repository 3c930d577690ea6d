// PyTorch checkpoints through the restricted unpickler, tensor bytes from the file, strided views gathered into
// contiguous float32. Zip format (torch.save >= 1.6): data.pkl, storages in data/<key>. Legacy format (before
// 1.6): pickles in a row — magic number, protocol version 1001, system info, the object, the sorted storage
// keys — then each storage as an int64 element count and its raw little-endian bytes, in the keys' order.
import { DTYPE_BYTES, FLOAT_DTYPES, toFloat32 } from './dtypes.js';
import { CheckpointError } from './errors.js';
import type { CheckpointTensor } from './state_dict.js';
import { type PyValue, type StorageRef, type TensorRef, unpickle, unpickleAt } from './unpickler.js';
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
  const storageBytes = (storage: StorageRef, name: string): Buffer => {
    let bytes = storages.get(storage.key);
    if (!bytes) {
      const entry = byName.get(`${prefix}data/${storage.key}`);
      if (!entry) throw new CheckpointError('LKR_CKPT_TRUNCATED', `${file}: storage data/${storage.key} of "${name}" is missing`);
      bytes = readZipEntry(buf, entry, file);
      storages.set(storage.key, bytes);
    }
    return bytes;
  };
  return { root, tensor: tensorReader(file, storageBytes) };
}

export function readLegacyPth(buf: Buffer, file: string): PthContents {
  const bad = (why: string) => new CheckpointError('LKR_CKPT_FORMAT', `${file}: legacy PyTorch checkpoint: ${why}`);
  let pos = unpickleAt(buf, 0, file).end; // the magic number (checked by isLegacyTorch)
  const version = unpickleAt(buf, pos, file);
  if (version.value !== 1001) throw bad(`protocol version ${String(version.value)}, expected 1001`);
  const info = unpickleAt(buf, version.end, file);
  if (info.value instanceof Map && info.value.get('little_endian') === false) throw bad('big-endian storages are not supported');
  const root = unpickleAt(buf, info.end, file);
  const keys = unpickleAt(buf, root.end, file);
  if (!Array.isArray(keys.value) || !keys.value.every((k) => typeof k === 'string')) throw bad('the storage key list is missing');
  pos = keys.end;
  // Storage element sizes come from the references in the object (the data section only holds counts).
  const refs = new Map<string, StorageRef>();
  const visit = (v: PyValue) => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v instanceof Map) v.forEach((x) => visit(x));
    else if (v && typeof v === 'object' && 'kind' in v) {
      if (v.kind === 'tensor') refs.set(v.storage.key, v.storage);
      else if (v.kind === 'storage') refs.set(v.key, v);
    }
  };
  visit(root.value);
  const storages = new Map<string, Buffer>();
  for (const key of keys.value as string[]) {
    if (pos + 8 > buf.length) throw new CheckpointError('LKR_CKPT_TRUNCATED', `${file}: truncated: the data of storage ${key} is missing`);
    const count = Number(buf.readBigInt64LE(pos));
    const ref = refs.get(key);
    const el = ref ? DTYPE_BYTES[ref.dtype] : 0;
    if (!ref) throw bad(`storage ${key} is not referenced by any tensor`);
    const bytes = count * el;
    if (pos + 8 + bytes > buf.length) throw new CheckpointError('LKR_CKPT_TRUNCATED', `${file}: truncated inside storage ${key} (needs ${bytes} bytes)`);
    storages.set(key, buf.subarray(pos + 8, pos + 8 + bytes));
    pos += 8 + bytes;
  }
  const storageBytes = (storage: StorageRef, name: string): Buffer => {
    const b = storages.get(storage.key);
    if (!b) throw new CheckpointError('LKR_CKPT_TRUNCATED', `${file}: storage ${storage.key} of "${name}" is missing`);
    return b;
  };
  return { root: root.value, tensor: tensorReader(file, storageBytes) };
}

/** Float tensors as contiguous float32 from their storages' bytes (other dtypes: shape and dtype only). */
function tensorReader(file: string, storageBytes: (storage: StorageRef, name: string) => Buffer) {
  return (ref: TensorRef, name: string): CheckpointTensor => {
    const { storage, size, stride, offset } = ref;
    const count = size.reduce((a, b) => a * b, 1);
    if (!FLOAT_DTYPES.has(storage.dtype)) return { shape: size, dtype: storage.dtype, data: null };
    const bytes = storageBytes(storage, name);
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
}

function isContiguous(size: number[], stride: number[]): boolean {
  let expect = 1;
  for (let i = size.length - 1; i >= 0; i--) {
    if (size[i] !== 1 && stride[i] !== expect) return false;
    expect *= size[i];
  }
  return true;
}
