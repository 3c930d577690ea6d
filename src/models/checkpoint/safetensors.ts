// .safetensors read (checked as the reference reader checks, REFERENCE.md §2.1) and write.
import { readFileSync, writeFileSync } from 'node:fs';

import { DTYPE_BYTES, FLOAT_DTYPES, isDType, toFloat32 } from './dtypes.js';
import { CheckpointError } from './errors.js';
import type { StateDict } from './state_dict.js';

const MAX_HEADER = 100_000_000;

interface Entry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export function parseSafetensors(buf: Buffer, file = '<buffer>'): { tensors: StateDict; metadata: Record<string, string> } {
  const bad = (why: string) => new CheckpointError('LKR_CKPT_FORMAT', `${file}: not a valid .safetensors file: ${why}`);
  if (buf.length < 8) throw new CheckpointError('LKR_CKPT_TRUNCATED', `${file}: truncated (${buf.length} bytes)`);
  const n = Number(buf.readBigUInt64LE(0));
  if (n > MAX_HEADER) throw bad(`header length ${n} exceeds ${MAX_HEADER}`);
  if (8 + n > buf.length) throw new CheckpointError('LKR_CKPT_TRUNCATED', `${file}: truncated inside the header`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + n)));
  } catch (e) {
    throw bad(`header is not UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw bad('header is not a JSON object');
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  // As the reference reader: __metadata__ is a map from strings to strings, nothing else.
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) throw bad('__metadata__ is not an object of strings');
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw bad(`__metadata__ "${k}" is a ${v === null ? 'null' : typeof v}, expected a string`);
  }
  const data = buf.subarray(8 + n);
  const entries: [string, Entry][] = [];
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = v as Entry;
    if (!e || typeof e.dtype !== 'string' || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets) || e.data_offsets.length !== 2) {
      throw bad(`entry "${name}" lacks dtype, shape or data_offsets`);
    }
    // Checked before any arithmetic or message: a hostile header may nest arrays thousands deep here.
    if (!e.data_offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) throw bad(`entry "${name}" data_offsets are not two non-negative integers`);
    if (!e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw bad(`entry "${name}" shape is not a list of non-negative integers`);
    entries.push([name, e]);
  }
  entries.sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
  const tensors: StateDict = new Map();
  let expectBegin = 0;
  for (const [name, e] of entries) {
    const [begin, end] = e.data_offsets;
    if (begin !== expectBegin || end < begin) {
      throw bad(`entry "${name}" offsets [${begin}, ${end}) do not tile the buffer (expected begin ${expectBegin})`);
    }
    expectBegin = end;
    if (!isDType(e.dtype)) {
      throw new CheckpointError('LKR_CKPT_DTYPE', `${file}: tensor "${name}" has dtype ${e.dtype}, which lkrobust does not read`);
    }
    const count = e.shape.reduce((a, b) => a * b, 1);
    if (end - begin !== count * DTYPE_BYTES[e.dtype]) {
      throw bad(`entry "${name}" holds ${end - begin} bytes, but ${e.dtype}[${e.shape}] needs ${count * DTYPE_BYTES[e.dtype]}`);
    }
    if (end > data.length) throw new CheckpointError('LKR_CKPT_TRUNCATED', `${file}: truncated inside tensor "${name}"`);
    const bytes = data.subarray(begin, end);
    tensors.set(name, {
      shape: e.shape,
      dtype: e.dtype,
      data: FLOAT_DTYPES.has(e.dtype) ? toFloat32(bytes, e.dtype, count, `${file}: "${name}"`) : null,
    });
  }
  if (8 + n + expectBegin !== buf.length) {
    throw bad(`file is ${buf.length} bytes but its header accounts for ${8 + n + expectBegin}`);
  }
  return { tensors, metadata };
}

export function readSafetensors(file: string): StateDict {
  return parseSafetensors(readFileSync(file), file).tensors;
}

/** Writes float32 tensors sorted by name, header space-padded to a multiple of 8. */
export function encodeSafetensors(tensors: Map<string, { shape: number[]; data: Float32Array }>, metadata: Record<string, string> = {}): Buffer {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let off = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    const bytes = t.data.length * 4;
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [off, off + bytes] };
    off += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const pre = Buffer.alloc(8);
  pre.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  const parts: Buffer[] = [pre, Buffer.from(json, "utf8")];
  for (const name of names) {
    const d = tensors.get(name)!.data;
    parts.push(Buffer.from(d.buffer, d.byteOffset, d.byteLength));
  }
  return Buffer.concat(parts);
}

export function writeSafetensors(file: string, tensors: Map<string, { shape: number[]; data: Float32Array }>, metadata: Record<string, string> = {}): void {
  writeFileSync(file, encodeSafetensors(tensors, metadata));
}
