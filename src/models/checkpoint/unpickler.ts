// A restricted unpickler for PyTorch checkpoints. It interprets pickle opcodes as data only: it can rebuild
// tensors, storages and plain containers (dicts, lists, tuples, numbers, strings) and nothing else. Any
// global outside that set (os.system, builtins.eval, an arbitrary class) stops the load with an error that
// names it; no code from the file is ever run. Opcode set: REFERENCE.md §2.2.
import type { DType } from './dtypes.js';
import { CheckpointError } from './errors.js';

export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

export interface StorageRef {
  kind: 'storage';
  dtype: DType;
  key: string;
  location: string;
  numel: number;
}

export interface TensorRef {
  kind: 'tensor';
  storage: StorageRef;
  offset: number;
  size: number[];
  stride: number[];
}

export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Buffer
  | PyValue[]
  | Map<PyValue, PyValue>
  | Set<PyValue>
  | PyGlobal
  | StorageRef
  | TensorRef;

const STORAGE_DTYPES: Record<string, DType> = {
  FloatStorage: 'F32',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  DoubleStorage: 'F64',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
  // torch.save of a bare torch.UntypedStorage: bytes, its numel is its byte count (as torch.load reads it)
  UntypedStorage: 'U8',
};

/** How deeply _rebuild_from_type_v2 may wrap a rebuild (PyTorch nests it once per tensor subclass). */
const MAX_REBUILD_NESTING = 16;

// Globals that may appear, and what calling them (REDUCE) means. Storage classes and the tensor classes are
// inert markers: they are only ever read, never called.
const CALLABLE = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
  'torch._tensor._rebuild_from_type_v2',
  '_codecs.encode',
]);
const MARKERS = new Set([
  'torch.Tensor',
  'torch.nn.parameter.Parameter',
  'torch.storage.UntypedStorage',
  ...Object.keys(STORAGE_DTYPES).map((s) => `torch.${s}`),
]);

function isMarkOrValue(v: unknown): v is PyValue {
  return v !== MARK;
}
const MARK = Symbol('mark');
type StackItem = PyValue | typeof MARK;

type Fail = (why: string) => Error;

/** A short, non-recursive description of a value for error messages (a hostile value may nest 100k deep). */
export function describe(v: PyValue | undefined): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (Buffer.isBuffer(v)) return `bytes[${v.length}]`;
  if (Array.isArray(v)) return `a tuple/list of ${v.length}`;
  if (v instanceof Map) return `a dict of ${v.size}`;
  if (v instanceof Set) return `a set of ${v.size}`;
  if (v instanceof PyGlobal) return v.qualified;
  return `a ${v.kind}`;
}

function asInt(v: PyValue, what: string, fail: Fail): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  throw fail(`${what}: expected an integer, found ${describe(v)}`);
}

function asIntArray(v: PyValue, what: string, fail: Fail): number[] {
  if (!Array.isArray(v)) throw fail(`${what}: expected a tuple of integers, found ${describe(v)}`);
  return v.map((x, i) => asInt(x, `${what}[${i}]`, fail));
}

function asString(v: PyValue, what: string, fail: Fail): string {
  if (typeof v !== 'string') throw fail(`${what}: expected a string, found ${describe(v)}`);
  return v;
}

export function unpickle(data: Buffer, file: string): PyValue {
  return unpickleAt(data, 0, file).value;
}

/**
 * One pickle starting at byte `start` (legacy checkpoints are several pickles in a row): its value and the byte
 * after its STOP opcode.
 */
export function unpickleAt(data: Buffer, start: number, file: string): { value: PyValue; end: number } {
  const unsafe = (what: string) =>
    new CheckpointError(
      'LKR_CKPT_UNSAFE',
      `${file}: refused: the pickle asks for ${what}, which is not a tensor, storage or plain container. ` +
        'Nothing from the file was executed. Re-save only the state dict (torch.save(model.state_dict(), path)) or use .safetensors.',
    );
  const corrupt = (why: string) => new CheckpointError('LKR_CKPT_FORMAT', `${file}: damaged pickle: ${why}`);

  const stack: StackItem[] = [];
  const memo = new Map<number, PyValue>();
  let pos = start;

  const need = (n: number) => {
    // A signed length below zero would move `pos` backwards onto the same opcode, forever.
    if (!Number.isSafeInteger(n) || n < 0) throw corrupt(`length ${n} at byte ${pos}`);
    if (pos + n > data.length) throw new CheckpointError('LKR_CKPT_TRUNCATED', `${file}: truncated: the pickle ends in the middle of an opcode`);
  };
  const pop = (): PyValue => {
    const v = stack.pop();
    if (v === undefined || !isMarkOrValue(v)) throw corrupt('stack underflow');
    return v;
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || !isMarkOrValue(v)) throw corrupt('empty stack');
    return v;
  };
  const popMark = (): PyValue[] => {
    let i = stack.length - 1;
    while (i >= 0 && stack[i] !== MARK) i--;
    if (i < 0) throw corrupt('MARK not found');
    const items = stack.splice(i + 1) as PyValue[];
    stack.pop();
    return items;
  };
  const readLength8 = (): number => {
    const n = data.readBigUInt64LE(pos);
    pos += 8;
    return n > BigInt(data.length) ? data.length + 1 : Number(n); // anything longer than the file fails need()
  };
  const readLine = (): string => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0) throw new CheckpointError('LKR_CKPT_TRUNCATED', `${file}: truncated: the pickle ends inside a GLOBAL`);
    const s = data.toString('utf8', pos, end);
    pos = end + 1;
    return s;
  };
  const global = (module: string, name: string): PyGlobal => {
    const q = `${module}.${name}`;
    if (!CALLABLE.has(q) && !MARKERS.has(q)) throw unsafe(q);
    return new PyGlobal(module, name);
  };
  const setItems = (d: PyValue, items: PyValue[]) => {
    if (!(d instanceof Map)) throw corrupt('SETITEMS on a non-dict');
    for (let i = 0; i + 1 < items.length; i += 2) d.set(items[i], items[i + 1]);
  };

  const call = (fn: PyValue, args: PyValue, nesting = 0): PyValue => {
    if (nesting > MAX_REBUILD_NESTING) {
      throw new CheckpointError('LKR_CKPT_LIMIT', `${file}: _rebuild_from_type_v2 nested more than ${MAX_REBUILD_NESTING} deep (a cycle?)`);
    }
    if (!(fn instanceof PyGlobal)) throw corrupt('REDUCE on a non-callable');
    if (!CALLABLE.has(fn.qualified)) throw unsafe(`a call to ${fn.qualified}`);
    if (!Array.isArray(args)) throw corrupt('REDUCE arguments are not a tuple');
    switch (fn.qualified) {
      case 'collections.OrderedDict':
        return new Map();
      case 'torch._utils._rebuild_tensor':
      case 'torch._utils._rebuild_tensor_v2': {
        const storage = args[0] as StorageRef;
        if (!storage || typeof storage !== 'object' || (storage as { kind?: unknown }).kind !== 'storage') throw corrupt('tensor without a storage');
        return {
          kind: 'tensor',
          storage,
          offset: asInt(args[1], 'tensor offset', corrupt),
          size: asIntArray(args[2], 'tensor size', corrupt),
          stride: asIntArray(args[3], 'tensor stride', corrupt),
        };
      }
      case 'torch._utils._rebuild_parameter':
      case 'torch._utils._rebuild_parameter_with_state':
        return args[0];
      case 'torch._tensor._rebuild_from_type_v2':
        // (func, new_type, args, state): rebuild with func (itself checked), ignore the Python type and state.
        return call(args[0], args[2], nesting + 1);
      case '_codecs.encode':
        return Buffer.from(asString(args[0], '_codecs.encode argument', corrupt), 'latin1');
    }
    throw unsafe(fn.qualified);
  };

  for (;;) {
    need(1);
    const op = data[pos++];
    switch (op) {
      case 0x80: // PROTO
        need(1);
        if (data[pos] > 5) throw corrupt(`pickle protocol ${data[pos]} (expected 2 to 5)`);
        pos += 1;
        break;
      case 0x95: // FRAME
        need(8);
        pos += 8;
        break;
      case 0x2e: {
        // STOP
        const v = pop();
        return { value: v, end: pos };
      }
      case 0x63: {
        // GLOBAL
        const module = readLine();
        const name = readLine();
        stack.push(global(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw corrupt('STACK_GLOBAL needs two strings');
        stack.push(global(module, name));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        stack.push(call(fn, args));
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args); only OrderedDict is a class we build
        const args = pop();
        const cls = pop();
        if (!(cls instanceof PyGlobal) || cls.qualified !== 'collections.OrderedDict') {
          throw cls instanceof PyGlobal ? unsafe(`an instance of ${cls.qualified}`) : corrupt('NEWOBJ on a non-class');
        }
        void args;
        stack.push(new Map());
        break;
      }
      case 0x62: {
        // BUILD: state for an OrderedDict (_metadata) or a tensor is irrelevant to the values: ignore it
        pop();
        const obj = top();
        if (!(obj instanceof Map) && !(obj && typeof obj === 'object' && 'kind' in obj)) {
          throw unsafe('setting the state of a non-container object');
        }
        break;
      }
      case 0x51: {
        // BINPERSID: ('storage', StorageClass, key, location, numel), legacy format: + view metadata (None)
        const pid = pop();
        if (!Array.isArray(pid) || pid[0] !== 'storage' || !(pid[1] instanceof PyGlobal)) {
          throw corrupt('persistent id is not a storage reference');
        }
        if (pid.length > 5 && pid[5] !== null) {
          throw new CheckpointError('LKR_CKPT_FORMAT', `${file}: a legacy checkpoint with storage views: re-save it with a current torch (torch.save) or convert it to .safetensors`);
        }
        const dtype = Object.hasOwn(STORAGE_DTYPES, pid[1].name) ? STORAGE_DTYPES[pid[1].name] : undefined;
        if (!dtype) throw unsafe(`a storage of type ${pid[1].qualified}`);
        const numel = asInt(pid[4], 'storage numel', corrupt);
        if (numel < 0) throw corrupt(`storage numel ${numel}`);
        stack.push({ kind: 'storage', dtype, key: asString(pid[2], 'storage key', corrupt), location: asString(pid[3], 'storage location', corrupt), numel });
        break;
      }
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x74: // TUPLE
        stack.push(popMark());
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        stack.push([a, b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push([a, b, c]);
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        const l = top();
        if (!Array.isArray(l)) throw corrupt('APPEND to a non-list');
        l.push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const l = top();
        if (!Array.isArray(l)) throw corrupt('APPENDS to a non-list');
        for (const x of items) l.push(x); // not push(...items): a long run would overflow the call stack

        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push(new Set());
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof Set)) throw corrupt('ADDITEMS to a non-set');
        items.forEach((x) => s.add(x));
        break;
      }
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        need(4);
        stack.push(data.readInt32LE(pos));
        pos += 4;
        break;
      case 0x4b: // BININT1
        need(1);
        stack.push(data[pos]);
        pos += 1;
        break;
      case 0x4d: // BININT2
        need(2);
        stack.push(data.readUInt16LE(pos));
        pos += 2;
        break;
      case 0x8a: {
        // LONG1
        need(1);
        const n = data[pos++];
        need(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(data[pos + i]);
        if (n > 0 && data[pos + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        pos += n;
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        stack.push(data.readDoubleBE(pos));
        pos += 8;
        break;
      case 0x58: {
        // BINUNICODE
        need(4);
        const n = data.readUInt32LE(pos);
        pos += 4;
        need(n);
        stack.push(data.toString('utf8', pos, pos + n));
        pos += n;
        break;
      }
      case 0x8c: {
        // SHORT_BINUNICODE
        need(1);
        const n = data[pos++];
        need(n);
        stack.push(data.toString('utf8', pos, pos + n));
        pos += n;
        break;
      }
      case 0x55: {
        // SHORT_BINSTRING
        need(1);
        const n = data[pos++];
        need(n);
        stack.push(data.toString('latin1', pos, pos + n));
        pos += n;
        break;
      }
      case 0x54: {
        // BINSTRING
        need(4);
        const n = data.readInt32LE(pos);
        pos += 4;
        need(n);
        stack.push(data.toString('latin1', pos, pos + n));
        pos += n;
        break;
      }
      case 0x8d: {
        // BINUNICODE8 (protocol 4)
        need(8);
        const n = readLength8();
        need(n);
        stack.push(data.toString('utf8', pos, pos + n));
        pos += n;
        break;
      }
      case 0x8e: // BINBYTES8 (protocol 4)
      case 0x96: {
        // BYTEARRAY8 (protocol 5)
        need(8);
        const n = readLength8();
        need(n);
        stack.push(Buffer.from(data.subarray(pos, pos + n)));
        pos += n;
        break;
      }
      case 0x43: {
        // SHORT_BINBYTES
        need(1);
        const n = data[pos++];
        need(n);
        stack.push(Buffer.from(data.subarray(pos, pos + n)));
        pos += n;
        break;
      }
      case 0x42: {
        // BINBYTES
        need(4);
        const n = data.readUInt32LE(pos);
        pos += 4;
        need(n);
        stack.push(Buffer.from(data.subarray(pos, pos + n)));
        pos += n;
        break;
      }
      case 0x68: // BINGET
        need(1);
        stack.push(memoGet(memo, data[pos++], corrupt));
        break;
      case 0x6a: // LONG_BINGET
        need(4);
        stack.push(memoGet(memo, data.readUInt32LE(pos), corrupt));
        pos += 4;
        break;
      case 0x71: // BINPUT
        need(1);
        memo.set(data[pos++], top());
        break;
      case 0x72: // LONG_BINPUT
        need(4);
        memo.set(data.readUInt32LE(pos), top());
        pos += 4;
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      default:
        throw unsafe(`opcode 0x${op.toString(16).padStart(2, '0')} at byte ${pos - 1} (not in the allowed data-only set)`);
    }
  }
}

function memoGet(memo: Map<number, PyValue>, i: number, corrupt: (w: string) => Error): PyValue {
  if (!memo.has(i)) throw corrupt(`memo ${i} read before written`);
  return memo.get(i)!;
}
