// PyTorch checkpoints built byte by byte for tests and the fuzzer: torch.save's zip layout (PyTorch >= 1.6)
// and the legacy format before it (pickles in a row, then the storages' raw bytes).
import { PickleWriter, stateDictPickle, type TensorSpec } from './pickle.js';
import { writeZip, type ZipInput } from './zip.js';

/** A storage's elements (float32, written little-endian). */
export type StorageSpec = { key: string; data: Float32Array };

function storageBytes(s: StorageSpec): Buffer {
  const b = Buffer.alloc(s.data.length * 4);
  s.data.forEach((v, i) => b.writeFloatLE(v, i * 4));
  return b;
}

/**
 * torch.save's zip: archive/data.pkl (the state dict of `tensors`, or `opts.pickle`), archive/byteorder,
 * archive/data/<key> per storage, archive/version; then `opts.extra` entries as they are.
 */
export function zipCheckpoint(
  tensors: readonly TensorSpec[],
  storages: readonly StorageSpec[],
  opts: { pickle?: Buffer; deflate?: boolean; extra?: ZipInput[] } = {},
): Buffer {
  const deflate = opts.deflate ?? false;
  const entries: ZipInput[] = [
    { name: 'archive/data.pkl', data: opts.pickle ?? stateDictPickle(tensors), deflate },
    { name: 'archive/byteorder', data: Buffer.from('little'), deflate },
    ...storages.map((s) => ({ name: `archive/data/${s.key}`, data: storageBytes(s), deflate })),
    { name: 'archive/version', data: Buffer.from('3\n'), deflate },
    ...(opts.extra ?? []),
  ];
  return writeZip(entries);
}

/** The legacy magic number torch.save pickles first. */
export const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
export const LEGACY_PROTOCOL_VERSION = 1001;

/**
 * The legacy format (torch.save before 1.6, or _use_new_zipfile_serialization=False): pickled magic number,
 * protocol version 1001, system info, the object (`opts.root`, or the state dict of `tensors`), the sorted
 * storage keys; then per storage, in the keys' order, an int64 element count (`opts.counts[i]` for
 * `storages[i]`, default its true length) and its raw bytes.
 */
export function legacyCheckpoint(
  tensors: readonly TensorSpec[],
  storages: readonly StorageSpec[],
  opts: { protocol?: number; root?: Buffer; counts?: readonly number[] } = {},
): Buffer {
  const protocol = opts.protocol ?? 2;
  const pickle = () => new PickleWriter().proto(protocol);
  const parts: Buffer[] = [
    pickle().int(LEGACY_MAGIC).stop().toBuffer(),
    pickle().int(LEGACY_PROTOCOL_VERSION).stop().toBuffer(),
    pickle()
      .emptyDict()
      .mark()
      .str('protocol_version')
      .int(LEGACY_PROTOCOL_VERSION)
      .str('little_endian')
      .bool(true)
      .str('type_sizes')
      .emptyDict()
      .mark()
      .str('short')
      .int(2)
      .str('int')
      .int(4)
      .str('long')
      .int(4)
      .setitems()
      .setitems()
      .stop()
      .toBuffer(),
    opts.root ?? stateDictPickle(tensors, protocol),
  ];
  const order = storages.map((s, i) => ({ s, count: opts.counts?.[i] ?? s.data.length })).sort((a, b) => (a.s.key < b.s.key ? -1 : a.s.key > b.s.key ? 1 : 0));
  const keys = pickle().emptyList();
  if (order.length) {
    keys.mark();
    for (const { s } of order) keys.str(s.key);
    keys.appends();
  }
  parts.push(keys.stop().toBuffer());
  for (const { s, count } of order) {
    const n = Buffer.alloc(8);
    n.writeBigInt64LE(BigInt(count));
    parts.push(n, storageBytes(s));
  }
  return Buffer.concat(parts);
}
