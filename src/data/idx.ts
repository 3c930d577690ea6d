// IDX files (the MNIST / Fashion-MNIST format), optionally gzip-compressed: a bounded reader. Layout: two zero
// bytes, a type byte (0x08 = unsigned byte, the only type these datasets use), a rank byte, then one big-endian
// uint32 per dimension, then the values in C order. Every length is checked against what the file holds.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

import { LkrError } from '../util/lkr_error.js';

export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

export class IdxError extends LkrError {
  constructor(file: string, why: string) {
    super('LKR_IDX', `${file}: not a readable IDX file: ${why}`);
    this.name = 'IdxError';
  }
}

/** Largest decompressed size accepted (Fashion-MNIST's biggest file is 47 MB). */
export const IDX_MAX_BYTES = 1 << 30;

export function parseIdx(raw: Buffer, file = '<buffer>', maxBytes = IDX_MAX_BYTES): IdxArray {
  let buf = raw;
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      buf = gunzipSync(raw, { maxOutputLength: maxBytes });
    } catch (e) {
      throw new IdxError(file, `gzip data is corrupt or larger than ${maxBytes} bytes (${(e as Error).message})`);
    }
  }
  if (buf.length < 4) throw new IdxError(file, `${buf.length} bytes, shorter than the 4-byte magic`);
  if (buf[0] !== 0 || buf[1] !== 0) throw new IdxError(file, `magic must start with two zero bytes, received ${buf[0]}, ${buf[1]}`);
  if (buf[2] !== 0x08) throw new IdxError(file, `value type 0x${buf[2]!.toString(16)} is not 0x08 (unsigned byte)`);
  const rank = buf[3]!;
  if (rank < 1 || rank > 4) throw new IdxError(file, `rank ${rank} outside 1..4`);
  const header = 4 + 4 * rank;
  if (buf.length < header) throw new IdxError(file, `truncated header: rank ${rank} needs ${header} bytes, file has ${buf.length}`);
  const shape: number[] = [];
  let n = 1;
  for (let i = 0; i < rank; i++) {
    const d = buf.readUInt32BE(4 + 4 * i);
    shape.push(d);
    n *= d;
    if (n > maxBytes) throw new IdxError(file, `shape [${shape}] holds more than ${maxBytes} values`);
  }
  if (buf.length - header !== n) {
    throw new IdxError(file, `shape [${shape}] needs ${n} value bytes after the header, file has ${buf.length - header}`);
  }
  return { shape, data: new Uint8Array(buf.buffer, buf.byteOffset + header, n) };
}

export function readIdx(file: string): IdxArray {
  return parseIdx(readFileSync(file), file);
}
