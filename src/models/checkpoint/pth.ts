// PyTorch checkpoints through the restricted unpickler, tensor bytes from the file, strided views gathered into
// contiguous float32. Zip format (torch.save >= 1.6): data.pkl, storages in data/<key>. Legacy format (before
// 1.6): pickles in a row — magic number, protocol version 1001, system info, the object, the sorted storage
// keys — then each storage as an int64 element count and its raw little-endian bytes, in the keys' order.
import { DTYPE_BYTES, FLOAT_DTYPES, toFloat32 } from './dtypes.js';
import { CheckpointError } from './errors.js';
import type { CheckpointTensor } from './state_dict.js';
import { type PyValue, type StorageRef, type TensorRef, unpickle, unpickleAt } from './unpickler.js';
import { checkView, MAX_BROADCAST_ELEMENTS } from './view.js';
import { readZipDirectory, readZipEntry, type ZipEntry } from './zip.js';

// The legacy magic number 0x1950a86a20f9469cfc6c as a pickled LONG1 (10 bytes, little-endian).
const LEGACY_MAGIC = Buffer.from([0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]);

export function isLegacyTorch(buf: Buffer): boolean {
  // torch.save(..., _use_new_zipfile_serialization=False, pickle_protocol=2..5): PROTO, a FRAME from 4 on, the magic
  if (buf.length < 2 || buf[0] !== 0x80 || buf[1] < 2 || buf[1] > 5) return false;
  const at = buf[1] >= 4 && buf[2] === 0x95 ? 11 : 2;
  // A file cut inside the magic still counts (its reader then says where it was cut).
  const head = buf.subarray(at, at + LEGACY_MAGIC.length);
  return head.length >= 2 && head.equals(LEGACY_MAGIC.subarray(0, head.length));
}

/** Every storage and tensor reference in a pickled object, walked iteratively (it may be cyclic or very deep). */
function storageRefs(root: PyValue): Map<string, StorageRef> {
  const refs = new Map<string, StorageRef>();
  const seen = new Set<object>();
  const todo: PyValue[] = [root];
  while (todo.length) {
    const v = todo.pop()!;
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (Array.isArray(v)) for (const x of v) todo.push(x);
    else if (v instanceof Map) for (const x of v.values()) todo.push(x);
    else if ('kind' in v) {
      if (v.kind === 'tensor') refs.set(v.storage.key, v.storage);
      else refs.set(v.key, v);
    }
  }
  return refs;
}

function storageSizeError(file: string, storage: StorageRef, found: number): CheckpointError {
  const want = storage.numel * DTYPE_BYTES[storage.dtype];
  return new CheckpointError(
    'LKR_CKPT_TRUNCATED',
    `${file}: storage ${storage.key}: the pickle says ${storage.numel} x ${storage.dtype} (${want} bytes), the file holds ${found} bytes`,
  );
}

export interface PthContents {
  root: PyValue;
  tensor: (ref: TensorRef, name: string) => CheckpointTensor;
}

export function readPth(buf: Buffer, file: string): PthContents {
  const entries = readZipDirectory(buf, file);
  const pkls = entries.filter((e) => e.name === 'data.pkl' || e.name.endsWith('/data.pkl'));
  if (pkls.length === 0) throw new CheckpointError('LKR_CKPT_FORMAT', `${file}: zip file without data.pkl: not a PyTorch checkpoint`);
  // Readers disagree on which of two pickles counts (PyTorch takes the last); a file that holds two is refused.
  if (pkls.length > 1) {
    const names = pkls.slice(0, 4).map((e) => e.name).join(', ');
    throw new CheckpointError('LKR_CKPT_FORMAT', `${file}: expected one data.pkl, found ${pkls.length} (${names}${pkls.length > 4 ? ', …' : ''})`);
  }
  const pkl = pkls[0];
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
  return { root, tensor: tensorReader(file, storageBytes, buf.length) };
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
  const refs = storageRefs(root.value);
  const storages = new Map<string, Buffer>();
  for (const key of keys.value as string[]) {
    if (pos + 8 > buf.length) throw new CheckpointError('LKR_CKPT_TRUNCATED', `${file}: truncated: the data of storage ${key} is missing`);
    const count = buf.readBigInt64LE(pos);
    const ref = refs.get(key);
    if (!ref) throw bad(`storage ${key} is not referenced by any tensor`);
    if (count !== BigInt(ref.numel)) throw storageSizeError(file, ref, Number(count) * DTYPE_BYTES[ref.dtype]);
    const bytes = ref.numel * DTYPE_BYTES[ref.dtype];
    if (pos + 8 + bytes > buf.length) throw new CheckpointError('LKR_CKPT_TRUNCATED', `${file}: truncated inside storage ${key} (needs ${bytes} bytes)`);
    storages.set(key, buf.subarray(pos + 8, pos + 8 + bytes));
    pos += 8 + bytes;
  }
  const storageBytes = (storage: StorageRef, name: string): Buffer => {
    const b = storages.get(storage.key);
    if (!b) throw new CheckpointError('LKR_CKPT_TRUNCATED', `${file}: storage ${storage.key} of "${name}" is missing`);
    return b;
  };
  return { root: root.value, tensor: tensorReader(file, storageBytes, buf.length) };
}

/**
 * Elements a checkpoint may unfold into, per byte of file, beyond zero-copy views: views that share one
 * storage are copied out one by one, so without a bound a small file naming the same storage many times
 * would grow quadratically in memory.
 */
const COPIED_ELEMENTS_PER_FILE_BYTE = 4;

/** Float tensors as contiguous float32 from their storages' bytes (other dtypes: shape and dtype only). */
function tensorReader(file: string, storageBytes: (storage: StorageRef, name: string) => Buffer, fileBytes: number) {
  let budget = COPIED_ELEMENTS_PER_FILE_BYTE * fileBytes + MAX_BROADCAST_ELEMENTS;
  const spend = (count: number, name: string) => {
    budget -= count;
    if (budget < 0) {
      throw new CheckpointError('LKR_CKPT_LIMIT', `${file}: tensor "${name}": the views copied out so far exceed ${COPIED_ELEMENTS_PER_FILE_BYTE} elements per byte of the file`);
    }
  };
  return (ref: TensorRef, name: string): CheckpointTensor => {
    const { storage, size, stride, offset } = ref;
    const count = checkView(ref, storage.numel, file, name);
    if (!FLOAT_DTYPES.has(storage.dtype)) return { shape: size, dtype: storage.dtype, data: null };
    const bytes = storageBytes(storage, name);
    const el = DTYPE_BYTES[storage.dtype];
    if (bytes.length !== storage.numel * el) throw storageSizeError(file, storage, bytes.length);
    const contiguous = isContiguous(size, stride);
    if (contiguous) {
      if (storage.dtype !== 'F32' || (bytes.byteOffset + offset * el) % 4 !== 0) spend(count, name);
      return { shape: size, dtype: storage.dtype, data: toFloat32(bytes.subarray(offset * el), storage.dtype, count, `${file}: "${name}"`) };
    }
    spend(count + (storage.dtype === 'F32' ? 0 : storage.numel), name);
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
