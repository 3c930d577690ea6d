// Structure-aware generators, one per format: inputs that are well-formed in most places and wrong in a few
// (a length, a shape, a stride, a declared size), which byte mutation alone rarely reaches.
import { gzipSync } from 'node:zlib';

import { encodeNpy } from '../../src/data/npy.js';
import { PickleWriter, stateDictPickle, type TensorSpec, writeStateDict } from './builders/pickle.js';
import { legacyCheckpoint, type StorageSpec, zipCheckpoint } from './builders/torch.js';
import { writeZip, type ZipInput } from './builders/zip.js';
import { below, pick, type Rng } from './mutate.js';

const INTS = [0, 1, 2, 3, 4, 7, 16, -1, -5, 255, 256, 65535, 2 ** 31 - 1, -(2 ** 31), 2 ** 40, Number.MAX_SAFE_INTEGER];
const smallInt = (rng: Rng) => (rng() < 0.8 ? below(rng, 8) : pick(rng, INTS));
const STORAGE_CLASSES = ['FloatStorage', 'HalfStorage', 'BFloat16Storage', 'DoubleStorage', 'LongStorage', 'ByteStorage', 'UntypedStorage', 'Nope'];
const GLOBALS: [string, string][] = [
  ['torch._utils', '_rebuild_tensor_v2'],
  ['torch._utils', '_rebuild_parameter'],
  ['torch._tensor', '_rebuild_from_type_v2'],
  ['collections', 'OrderedDict'],
  ['torch', 'FloatStorage'],
  ['torch', 'UntypedStorage'],
  ['torch.nn.parameter', 'Parameter'],
  ['_codecs', 'encode'],
  ['os', 'system'],
  ['builtins', 'eval'],
  ['builtins', 'getattr'],
];

function randomTensor(rng: Rng, i: number): TensorSpec {
  // half of them valid, so that the reader gets past its checks and into the copying
  if (rng() < 0.5) return { name: `t${i}`, key: '0', numel: 16, size: pick(rng, [[16], [4, 4], [2, 2, 4], [2, 3], []]) };
  const rank = below(rng, 4);
  const size = Array.from({ length: rank }, () => smallInt(rng));
  const spec: TensorSpec = { name: `t${i}`, key: String(below(rng, 3)), numel: smallInt(rng) + (rng() < 0.5 ? 16 : 0), size };
  if (rng() < 0.3) spec.storageClass = pick(rng, STORAGE_CLASSES);
  if (rng() < 0.4) spec.stride = Array.from({ length: rng() < 0.9 ? rank : below(rng, 5) }, () => smallInt(rng));
  if (rng() < 0.3) spec.offset = smallInt(rng);
  return spec;
}

function randomStorages(rng: Rng): StorageSpec[] {
  return Array.from({ length: 1 + below(rng, 3) }, (_, k) => ({
    key: String(k),
    data: Float32Array.from({ length: rng() < 0.7 ? 16 : below(rng, 40) }, () => rng() * 2 - 1),
  }));
}

/** A random run of data opcodes: containers, memo, globals (allowed or not), calls and lengths that lie. */
function randomPickle(rng: Rng): Buffer {
  const p = new PickleWriter().proto(2 + below(rng, 4));
  const ops = 1 + below(rng, 48);
  for (let i = 0; i < ops; i++) {
    switch (below(rng, 22)) {
      case 0: p.int(pick(rng, INTS)); break;
      case 1: p.str(pick(rng, ['storage', 'cpu', '0', 'w', 'state_dict', ''])); break;
      case 2: p.none(); break;
      case 3: p.mark(); break;
      case 4: p.tuple(); break;
      case 5: p.emptyList(); break;
      case 6: p.emptyDict(); break;
      case 7: p.append(); break;
      case 8: p.appends(); break;
      case 9: p.setitem(); break;
      case 10: p.setitems(); break;
      case 11: p.put(below(rng, 4)); break;
      case 12: p.get(below(rng, 4)); break;
      case 13: { const [m, n] = pick(rng, GLOBALS); p.global(m, n); break; }
      case 14: p.reduce(); break;
      case 15: p.binpersid(); break;
      case 16: p.raw(pick(rng, [0x85, 0x86, 0x87, 0x62, 0x81, 0x93, 0x94, 0x8f, 0x90, 0x29])); break;
      case 17: { const b = Buffer.alloc(4); b.writeInt32LE(pick(rng, INTS) | 0); p.raw(pick(rng, [0x54, 0x42, 0x58]), ...b); break; }
      case 18: p.raw(pick(rng, [0x55, 0x43, 0x8c, 0x8a]), below(rng, 256)); break;
      case 19: { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(pick(rng, INTS) >>> 0)); p.raw(pick(rng, [0x8d, 0x8e, 0x96, 0x95]), ...b); break; }
      case 20: p.float(pick(rng, [0.5, -1, NaN, 1e300])); break;
      default: p.mark().str('storage').global('torch', pick(rng, STORAGE_CLASSES)).str(String(below(rng, 3))).str('cpu').int(smallInt(rng)).tuple().binpersid();
    }
  }
  return p.stop().toBuffer();
}

export function genPickleCheckpoint(rng: Rng): Buffer {
  const storages = randomStorages(rng);
  if (rng() < 0.5) return zipCheckpoint([], storages, { pickle: randomPickle(rng) });
  const tensors = Array.from({ length: 1 + below(rng, 3) }, (_, i) => randomTensor(rng, i));
  return zipCheckpoint(tensors, storages, { pickle: stateDictPickle(tensors, 2 + below(rng, 4)), deflate: rng() < 0.2 });
}

export function genZip(rng: Rng): Buffer {
  const names = ['archive/data.pkl', 'archive/data/0', 'archive/data/1', 'other/data.pkl', 'data.pkl', 'archive/version'];
  const entries: ZipInput[] = Array.from({ length: 1 + below(rng, 4) }, () => {
    const name = pick(rng, names);
    const data = name.endsWith('data.pkl') ? stateDictPickle([randomTensor(rng, 0)]) : Buffer.alloc(below(rng, 80), below(rng, 256));
    const e: ZipInput = { name, data, deflate: rng() < 0.4 };
    if (rng() < 0.3) e.declaredSize = pick(rng, [0, data.length + 1, Math.max(0, data.length - 1), 0xffffffff, 1 << 30]);
    if (rng() < 0.2) {
      const extra = Buffer.alloc(4 + below(rng, 24), 0xff);
      extra.writeUInt16LE(rng() < 0.5 ? 1 : below(rng, 65536), 0);
      extra.writeUInt16LE(below(rng, 40), 2);
      e.extra = extra;
      if (rng() < 0.3) e.declaredExtraLength = below(rng, 65536);
    }
    return e;
  });
  return writeZip(entries);
}

export function genLegacy(rng: Rng): Buffer {
  const storages = randomStorages(rng);
  const tensors = Array.from({ length: 1 + below(rng, 3) }, (_, i) => randomTensor(rng, i));
  const protocol = 2 + below(rng, 4);
  const root = rng() < 0.3 ? writeStateDict(new PickleWriter().proto(protocol), tensors, rng() < 0.8).stop().toBuffer() : undefined;
  const counts = rng() < 0.3 ? storages.map(() => smallInt(rng)) : undefined;
  return legacyCheckpoint(tensors, storages, { protocol, root, counts });
}

const ODD_VALUES: unknown[] = [-1, 0.5, '3', null, [], [[1]], {}, 1e300, true, 2 ** 53];

export function genSafetensors(rng: Rng): Buffer {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (let i = 0; i < 1 + below(rng, 3); i++) {
    const dtype = pick(rng, ['F32', 'F16', 'BF16', 'F64', 'I64', 'U8', 'BOOL', 'F8_E4M3', 'X']);
    const shape = Array.from({ length: below(rng, 4) }, () => (rng() < 0.9 ? below(rng, 5) : pick(rng, ODD_VALUES)));
    const count = shape.reduce((a: number, b) => a * (typeof b === 'number' ? b : 1), 1);
    const bytes = count * (dtype === 'F64' || dtype === 'I64' ? 8 : dtype === 'F32' ? 4 : dtype.length === 2 ? 1 : 2);
    const offsets: unknown[] = rng() < 0.85 ? [offset, offset + bytes] : [pick(rng, ODD_VALUES), pick(rng, ODD_VALUES)];
    header[`t${i}`] = rng() < 0.95 ? { dtype, shape, data_offsets: offsets } : pick(rng, ODD_VALUES);
    offset += bytes;
  }
  if (rng() < 0.4) header.__metadata__ = rng() < 0.5 ? { format: 'pt' } : pick(rng, [...ODD_VALUES, { a: 1 }]);
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const pre = Buffer.alloc(8);
  pre.writeBigUInt64LE(BigInt(rng() < 0.9 ? json.length : pick(rng, [0, json.length + 1, 2 ** 32, 2 ** 40])));
  const dataBytes = rng() < 0.8 && offset >= 0 && offset <= 1 << 16 ? offset : below(rng, 64);
  return Buffer.concat([pre, json, Buffer.alloc(dataBytes)]);
}

export function genNpy(rng: Rng): Buffer {
  if (rng() < 0.3) {
    const shape = [1 + below(rng, 2), 1 + below(rng, 3), 1 + below(rng, 3), rng() < 0.9 ? 3 : 4];
    const n = shape.reduce((a, b) => a * b, 1);
    const scale = pick(rng, [1, 255, -1, NaN]);
    return encodeNpy(shape, Float32Array.from({ length: n }, () => rng() * scale));
  }
  const descr = pick(rng, ['<f4', '<f8', '<i4', '<i8', '|u1', '|b1', '>f4', '<c16', 'O', "<f4', 'x", '']);
  const fortran = pick(rng, ['False', 'True', 'false', '0']);
  const dims = Array.from({ length: below(rng, 5) }, () => pick(rng, ['1', '2', '3', '0', '-1', '10L', '1e3', '99999999999', 'x', ' ']));
  const text = `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': (${dims.join(', ')}${dims.length === 1 ? ',' : ''}), }\n`;
  const h = Buffer.from(text, 'latin1');
  const major = rng() < 0.8 ? 1 : pick(rng, [2, 3, 0, 4]);
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0, 0, 0, 0, 0]);
  const declared = rng() < 0.9 ? h.length : pick(rng, [0, h.length + 10, 65535, 2 ** 31]);
  if (major === 1) pre.writeUInt16LE(declared & 0xffff, 8);
  else pre.writeUInt32LE(declared >>> 0, 8);
  return Buffer.concat([pre.subarray(0, major === 1 ? 10 : 12), h, Buffer.alloc(below(rng, 200), below(rng, 256))]);
}

export function genIdx(rng: Rng): Buffer {
  const rank = rng() < 0.9 ? 1 + below(rng, 3) : below(rng, 8);
  const dims = Array.from({ length: rank }, () => (rng() < 0.9 ? 1 + below(rng, 6) : pick(rng, [0, 0xffffffff, 1 << 20])));
  const head = Buffer.alloc(4 + 4 * rank);
  head.set([0, 0, rng() < 0.9 ? 8 : below(rng, 256), rank]);
  dims.forEach((d, i) => head.writeUInt32BE(d >>> 0, 4 + 4 * i));
  const n = dims.reduce((a, b) => a * b, 1);
  const body = Buffer.alloc(rng() < 0.8 && n < 4096 ? n : below(rng, 64));
  const raw = Buffer.concat([head, body]);
  return rng() < 0.3 ? gzipSync(raw) : raw;
}

/** A deflated zip entry that inflates far beyond its declared size, as the bomb in defect 4 (kept small). */
export function genZipBomb(rng: Rng): Buffer {
  const inflated = Buffer.alloc(1 << (10 + below(rng, 10)));
  return writeZip([{ name: 'archive/data.pkl', data: inflated, deflate: true, declaredSize: pick(rng, [14, inflated.length - 1, 0xffffffff]) }]);
}

