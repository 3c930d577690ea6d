// A minimal ZIP reader for PyTorch checkpoints (REFERENCE.md §2.2): central directory (zip64 too), stored or
// deflated entries. Sizes come from the central directory (local headers may hold zeros: flag 0x0808).
import { inflateRawSync } from 'node:zlib';

import { CheckpointError } from './errors.js';

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

function u64(buf: Buffer, off: number): number {
  const v = buf.readBigUInt64LE(off);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('zip64 value too large');
  return Number(v);
}

export function isZip(buf: Buffer): boolean {
  return buf.length >= 4 && buf.readUInt32LE(0) === LOCAL;
}

export function readZipDirectory(buf: Buffer, file: string): ZipEntry[] {
  const bad = (why: string, code: 'LKR_CKPT_FORMAT' | 'LKR_CKPT_TRUNCATED' = 'LKR_CKPT_FORMAT') =>
    new CheckpointError(code, `${file}: ${code === 'LKR_CKPT_TRUNCATED' ? 'truncated or damaged zip' : 'bad zip'}: ${why}`);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (buf.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad('no end-of-central-directory record (the file was cut short?)', 'LKR_CKPT_TRUNCATED');
  let count = buf.readUInt16LE(eocd + 10);
  let cdOffset = buf.readUInt32LE(eocd + 16);
  if (eocd >= 20 && buf.readUInt32LE(eocd - 20) === ZIP64_LOCATOR) {
    const z = u64(buf, eocd - 20 + 8);
    if (z + 56 > buf.length || buf.readUInt32LE(z) !== ZIP64_EOCD) throw bad('zip64 record missing', 'LKR_CKPT_TRUNCATED');
    count = u64(buf, z + 32);
    cdOffset = u64(buf, z + 48);
  }
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CENTRAL) throw bad(`central directory entry ${i} missing`, 'LKR_CKPT_TRUNCATED');
    const method = buf.readUInt16LE(p + 10);
    let compressedSize = buf.readUInt32LE(p + 20);
    let size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    let localOffset = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    // zip64 extended information: the 0xFFFFFFFF fields, in order, follow in extra field 0x0001.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = buf.readUInt16LE(e);
      const len = buf.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === 0xffffffff) (size = u64(buf, q)), (q += 8);
        if (compressedSize === 0xffffffff) (compressedSize = u64(buf, q)), (q += 8);
        if (localOffset === 0xffffffff) localOffset = u64(buf, q);
      }
      e += 4 + len;
    }
    entries.push({ name, method, compressedSize, size, localOffset });
    p = extraEnd + commentLen;
  }
  return entries;
}

export function readZipEntry(buf: Buffer, entry: ZipEntry, file: string): Buffer {
  const p = entry.localOffset;
  if (p + 30 > buf.length || buf.readUInt32LE(p) !== LOCAL) {
    throw new CheckpointError('LKR_CKPT_TRUNCATED', `${file}: zip entry ${entry.name} has no local header (file damaged)`);
  }
  const start = p + 30 + buf.readUInt16LE(p + 26) + buf.readUInt16LE(p + 28);
  const end = start + entry.compressedSize;
  if (end > buf.length) {
    throw new CheckpointError('LKR_CKPT_TRUNCATED', `${file}: truncated inside zip entry ${entry.name} (needs ${end} bytes, file has ${buf.length})`);
  }
  const raw = buf.subarray(start, end);
  if (entry.method === 0) return raw;
  if (entry.method === 8) return inflateRawSync(raw);
  throw new CheckpointError('LKR_CKPT_FORMAT', `${file}: zip entry ${entry.name} uses compression method ${entry.method}`);
}
