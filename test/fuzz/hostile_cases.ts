// The hand-made hostile inputs: every file-format defect found in the hostile-input pass (issue 22), and what
// lkrobust must answer for each — a named error code, or a clean load where PyTorch's safe loader reads the
// file too. The regression tests, the CLI walk and the fuzzer's seeds all start from this list.
import { encodeNpy } from '../../src/data/npy.js';
import { encodeSafetensors } from '../../src/models/checkpoint/index.js';
import { PickleWriter, stateDictPickle, type TensorSpec } from './builders/pickle.js';
import { legacyCheckpoint, zipCheckpoint } from './builders/torch.js';
import { writeZip } from './builders/zip.js';

export interface HostileCase {
  name: string;
  format: 'checkpoint' | 'npy';
  /** Which defect of the issue it reproduces (1..8), if any. */
  defect?: number;
  bytes: () => Buffer;
  /** The error code expected, or 'ok' when the file must load. */
  expect: string;
}

const weight: TensorSpec = { name: 'w', key: '0', numel: 4, size: [2, 2] };
const four = [{ key: '0', data: Float32Array.from([1, 2, 3, 4]) }];

/** A zip checkpoint whose data.pkl is `pickle`, with the usual storage beside it. */
function withPickle(pickle: Buffer): Buffer {
  return zipCheckpoint([], four, { pickle });
}

/** `{'x': value}` where `value` is written by `body` (protocol 2). */
function dictOf(body: (p: PickleWriter) => void): Buffer {
  const p = new PickleWriter().proto(2).emptyDict().str('x');
  body(p);
  return p.setitem().stop().toBuffer();
}

function deepList(p: PickleWriter, depth: number): void {
  for (let i = 0; i < depth; i++) p.emptyList();
  for (let i = 0; i < depth - 1; i++) p.append();
}

function npyWithHeader(header: string, body = Buffer.alloc(16)): Buffer {
  const h = Buffer.from(header, 'latin1');
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, h.length & 0xff, h.length >> 8]);
  return Buffer.concat([pre, h, body]);
}

const npyHeader = (descr: string, shape: string, fortran = 'False') => `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }\n`;

export const HOSTILE_CASES: readonly HostileCase[] = [
  // 1. BINSTRING with length -5: the unpickler used to step back onto its own opcode forever.
  { name: 'binstring-negative-length', format: 'checkpoint', defect: 1, expect: 'LKR_CKPT_FORMAT', bytes: () => withPickle(Buffer.from('\x80\x02T\xfb\xff\xff\xff.', 'latin1')) },
  // 3. Views PyTorch's as_strided refuses.
  { name: 'view-negative-stride', format: 'checkpoint', defect: 3, expect: 'LKR_CKPT_VIEW', bytes: () => zipCheckpoint([{ ...weight, offset: 3, stride: [-2, -1] }], four) },
  { name: 'view-short-stride', format: 'checkpoint', defect: 3, expect: 'LKR_CKPT_VIEW', bytes: () => zipCheckpoint([{ ...weight, stride: [1] }], four) },
  { name: 'view-negative-offset', format: 'checkpoint', defect: 3, expect: 'LKR_CKPT_VIEW', bytes: () => zipCheckpoint([{ ...weight, numel: 4, offset: -2, size: [2], stride: [1] }], four) },
  // 4. Inflating past the declared size (a zip bomb in small), and a declared size no deflate stream reaches.
  {
    name: 'inflate-past-declared-size',
    format: 'checkpoint',
    defect: 4,
    expect: 'LKR_CKPT_FORMAT',
    bytes: () => writeZip([{ name: 'archive/data.pkl', data: Buffer.alloc(8 << 20), deflate: true, declaredSize: 14 }]),
  },
  {
    name: 'inflate-declared-huge',
    format: 'checkpoint',
    defect: 4,
    expect: 'LKR_CKPT_LIMIT',
    bytes: () => writeZip([{ name: 'archive/data.pkl', data: Buffer.alloc(1000), deflate: true, declaredSize: 0xfffffff0 }]),
  },
  // 5. Stack traces instead of named errors.
  {
    name: 'pickle-float-offset',
    format: 'checkpoint',
    defect: 5,
    expect: 'LKR_CKPT_FORMAT',
    bytes: () => {
      const p = stateDictPickle([{ ...weight, offset: 0 }]);
      // the offset 0 (BININT1 0 after BINPERSID) becomes BINFLOAT 0.5
      const at = p.indexOf(Buffer.from([0x51, 0x4b, 0x00]));
      return withPickle(Buffer.concat([p.subarray(0, at + 1), Buffer.from([0x47, 0x3f, 0xe0, 0, 0, 0, 0, 0, 0]), p.subarray(at + 3)]));
    },
  },
  {
    name: 'corrupt-deflate-stream',
    format: 'checkpoint',
    defect: 5,
    expect: 'LKR_CKPT_FORMAT',
    bytes: () => {
      const z = zipCheckpoint([weight], four, { deflate: true });
      const at = z.indexOf('archive/data.pkl') + 'archive/data.pkl'.length;
      z.fill(0xff, at, at + 6);
      return z;
    },
  },
  { name: 'npy-empty', format: 'npy', defect: 5, expect: 'LKR_NPY_FORMAT', bytes: () => Buffer.alloc(0) },
  { name: 'npy-no-magic', format: 'npy', defect: 5, expect: 'LKR_NPY_FORMAT', bytes: () => Buffer.from('just some text, not numpy') },
  { name: 'npy-wrong-dtype', format: 'npy', defect: 5, expect: 'LKR_NPY_DTYPE', bytes: () => npyWithHeader(npyHeader('<c16', '(1, 2, 2, 3)')) },
  { name: 'npy-fortran', format: 'npy', defect: 5, expect: 'LKR_NPY_DTYPE', bytes: () => npyWithHeader(npyHeader('<f4', '(1, 2, 2, 3)', 'True'), Buffer.alloc(48)) },
  { name: 'npy-truncated', format: 'npy', defect: 5, expect: 'LKR_NPY_TRUNCATED', bytes: () => npyWithHeader(npyHeader('<f4', '(1, 2, 2, 3)'), Buffer.alloc(20)) },
  { name: 'npy-negative-dim', format: 'npy', defect: 5, expect: 'LKR_NPY_SHAPE', bytes: () => npyWithHeader(npyHeader('<f4', '(1, -2, 2, 3)')) },
  { name: 'npy-huge-dims', format: 'npy', defect: 5, expect: 'LKR_NPY_TRUNCATED', bytes: () => npyWithHeader(npyHeader('<f4', '(100000000000, 100000000000, 2, 3)')) },
  { name: 'npy-v2-cut-preamble', format: 'npy', defect: 5, expect: 'LKR_NPY_TRUNCATED', bytes: () => Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0, 4, 0]) },
  // 6. Bare "Maximum call stack size exceeded" / ERR_OUT_OF_RANGE.
  {
    name: 'legacy-self-referencing-list',
    format: 'checkpoint',
    defect: 6,
    expect: 'LKR_CKPT_KEYS',
    bytes: () => legacyCheckpoint([], [], { root: dictOf((p) => p.emptyList().put(0).get(0).append()) }),
  },
  { name: 'legacy-100k-deep-list', format: 'checkpoint', defect: 6, expect: 'LKR_CKPT_KEYS', bytes: () => legacyCheckpoint([], [], { root: dictOf((p) => deepList(p, 100_000)) }) },
  {
    name: 'rebuild-from-type-cycle',
    format: 'checkpoint',
    defect: 6,
    expect: 'LKR_CKPT_LIMIT',
    bytes: () =>
      withPickle(
        dictOf((p) => {
          p.emptyList().put(0).global('torch._tensor', '_rebuild_from_type_v2').append().none().append().get(0).append();
          p.global('torch._tensor', '_rebuild_from_type_v2').get(0).reduce();
        }),
      ),
  },
  {
    name: 'appends-300k',
    format: 'checkpoint',
    defect: 6,
    expect: 'LKR_CKPT_KEYS',
    bytes: () =>
      withPickle(
        dictOf((p) => {
          p.emptyList().mark();
          for (let i = 0; i < 300_000; i++) p.int(1);
          p.appends();
        }),
      ),
  },
  {
    name: 'deep-tuple-dict-key',
    format: 'checkpoint',
    defect: 6,
    expect: 'LKR_CKPT_KEYS',
    bytes: () => {
      const p = new PickleWriter().proto(2).emptyDict().none();
      for (let i = 0; i < 200_000; i++) p.raw(0x85); // TUPLE1
      return withPickle(p.int(1).setitem().stop().toBuffer());
    },
  },
  {
    name: 'zip-extra-past-end',
    format: 'checkpoint',
    defect: 6,
    expect: 'LKR_CKPT_TRUNCATED',
    bytes: () => writeZip([{ name: 'archive/data.pkl', data: stateDictPickle([]), declaredExtraLength: 60000 }]),
  },
  // 8. Files PyTorch's safe loader reads, and inconsistencies it refuses.
  ...[3, 4, 5].map(
    (protocol): HostileCase => ({
      name: `legacy-protocol-${protocol}`,
      format: 'checkpoint',
      defect: 8,
      expect: 'ok',
      bytes: () => legacyCheckpoint([weight], four, { protocol }),
    }),
  ),
  {
    name: 'untyped-storage',
    format: 'checkpoint',
    defect: 8,
    expect: 'ok',
    bytes: () => {
      // a uint8 tensor over the raw bytes, as torch.load builds one on an UntypedStorage
      const p = new PickleWriter().proto(2).emptyDict().str('raw').global('torch._utils', '_rebuild_tensor_v2').mark();
      p.mark().str('storage').global('torch', 'UntypedStorage').str('0').str('cpu').int(16).tuple().binpersid();
      p.int(0).ints([16]).ints([1]).bool(false).global('collections', 'OrderedDict').emptyTuple().reduce().tuple().reduce();
      return withPickle(p.setitem().stop().toBuffer());
    },
  },
  { name: 'storage-numel-past-bytes', format: 'checkpoint', defect: 8, expect: 'LKR_CKPT_TRUNCATED', bytes: () => zipCheckpoint([{ ...weight, numel: 6 }], four) },
  { name: 'legacy-count-mismatch', format: 'checkpoint', defect: 8, expect: 'LKR_CKPT_TRUNCATED', bytes: () => legacyCheckpoint([{ ...weight, numel: 2, size: [2], stride: [1] }], four) },
  {
    name: 'two-data-pkl',
    format: 'checkpoint',
    defect: 8,
    expect: 'LKR_CKPT_FORMAT',
    bytes: () => zipCheckpoint([weight], four, { extra: [{ name: 'archive/data.pkl', data: stateDictPickle([{ ...weight, size: [4], stride: [1] }]) }] }),
  },
  {
    name: 'safetensors-metadata-not-string',
    format: 'checkpoint',
    defect: 8,
    expect: 'LKR_CKPT_FORMAT',
    bytes: () => {
      const good = encodeSafetensors(new Map([['w', { shape: [2], data: Float32Array.from([1, 2]) }]]), { a: 'b' });
      const n = Number(good.readBigUInt64LE(0));
      const header = good.toString('utf8', 8, 8 + n).replace('"a":"b"', '"a":[] ');
      return Buffer.concat([good.subarray(0, 8), Buffer.from(header, 'utf8'), good.subarray(8 + n)]);
    },
  },
  { name: 'npy-0-255-as-float', format: 'npy', defect: 8, expect: 'LKR_NPY_RANGE', bytes: () => encodeNpy([1, 2, 2, 3], Float32Array.from({ length: 12 }, (_, i) => i * 20)) },
];
