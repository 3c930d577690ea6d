// A minimal ZIP reader for PyTorch checkpoints (REFERENCE.md §2.2): central directory (zip64 too), stored or
// deflated entries. Sizes come from the central directory (local headers may hold zeros: flag 0x0808). Every
// offset and length is checked against the file, and an entry inflates to exactly its declared size, no more.
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

/** Deflate cannot expand more than 1032:1; a declared size beyond that is a lie (a zip bomb, or damage). */
const MAX_DEFLATE_RATIO = 1032;
/** Largest single entry inflated (a storage above 4 GiB would not fit a Buffer anyway). */
export const MAX_ENTRY_BYTES = 2 ** 32 - 1;

function u64(buf: Buffer, off: number, file: string): number {
  if (off < 0 || off + 8 > buf.length) {
    throw new CheckpointError('LKR_CKPT_TRUNCATED', `${file}: truncated or damaged zip: a zip64 field at byte ${off} lies past the end (${buf.length} bytes)`);
  }
  const v = buf.readBigUInt64LE(off);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new CheckpointError('LKR_CKPT_FORMAT', `${file}: bad zip: zip64 value ${v} at byte ${off} is too large`);
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
    const z = u64(buf, eocd - 20 + 8, file);
    if (z + 56 > buf.length || buf.readUInt32LE(z) !== ZIP64_EOCD) throw bad('zip64 record missing', 'LKR_CKPT_TRUNCATED');
    count = u64(buf, z + 32, file);
    cdOffset = u64(buf, z + 48, file);
  }
  // Each central entry takes at least 46 bytes: a larger count cannot be true.
  if (count > (buf.length - cdOffset) / 46) throw bad(`central directory claims ${count} entries at byte ${cdOffset}, the file has room for fewer`, 'LKR_CKPT_TRUNCATED');
  const entries: ZipEntry[] = [];
  const names = new Set<string>();
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
    if (p + 46 + nameLen + extraLen + commentLen > buf.length) {
      throw bad(`central directory entry ${i}: name, extra field and comment (${nameLen + extraLen + commentLen} bytes) run past the end`, 'LKR_CKPT_TRUNCATED');
    }
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    if (names.has(name)) throw bad(`two entries named ${name}`);
    names.add(name);
    // zip64 extended information: the 0xFFFFFFFF fields, in order, follow in extra field 0x0001.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = buf.readUInt16LE(e);
      const len = buf.readUInt16LE(e + 2);
      if (e + 4 + len > extraEnd) throw bad(`entry ${name}: extra field of ${len} bytes runs past its end`);
      if (id === 0x0001) {
        let q = e + 4;
        const take = () => {
          if (q + 8 > e + 4 + len) throw bad(`entry ${name}: zip64 extra field too short`);
          q += 8;
          return u64(buf, q - 8, file);
        };
        if (size === 0xffffffff) size = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localOffset === 0xffffffff) localOffset = take();
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
  const damaged = (why: string) => new CheckpointError('LKR_CKPT_FORMAT', `${file}: zip entry ${entry.name}: ${why}`);
  if (entry.method === 0) {
    if (entry.size !== entry.compressedSize) throw damaged(`stored (uncompressed) but declares ${entry.size} bytes in ${entry.compressedSize}`);
    return raw;
  }
  if (entry.method !== 8) throw damaged(`uses compression method ${entry.method} (expected 0 stored or 8 deflate)`);
  if (entry.size > MAX_ENTRY_BYTES || entry.size > entry.compressedSize * MAX_DEFLATE_RATIO + 64) {
    throw new CheckpointError('LKR_CKPT_LIMIT', `${file}: zip entry ${entry.name} declares ${entry.size} bytes from ${entry.compressedSize} compressed: refused`);
  }
  let out: Buffer;
  try {
    // One byte of headroom, so that a stream longer than declared is seen rather than silently cut.
    out = inflateRawSync(raw, { maxOutputLength: entry.size + 1 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw damaged(`inflates to more than its declared ${entry.size} bytes`);
    throw damaged(`corrupt deflate stream (${(e as Error).message})`);
  }
  if (out.length !== entry.size) throw damaged(`inflates to ${out.length} bytes, its directory declares ${entry.size}`);
  return out;
}
