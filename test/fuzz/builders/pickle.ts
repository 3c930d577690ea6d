// A pickle writer for tests and the fuzzer: opcodes one at a time (protocols 2 to 5, no framing), so that a
// test can build a well-formed checkpoint pickle, or one that is wrong in exactly one place.

/** One tensor of a state dict, as torch.save pickles it: a view over storage `key` of `numel` elements. */
export type TensorSpec = {
  name: string;
  /** The storage key (the persistent id; `archive/data/<key>` in a zip checkpoint). */
  key: string;
  numel: number;
  size: number[];
  /** Default: contiguous for `size`. */
  stride?: number[];
  /** Storage offset in elements, default 0. */
  offset?: number;
  /** A torch storage class name, default 'FloatStorage'. */
  storageClass?: string;
};

export function contiguousStride(size: readonly number[]): number[] {
  const stride = new Array<number>(size.length);
  let s = 1;
  for (let i = size.length - 1; i >= 0; i--) {
    stride[i] = s;
    s *= size[i];
  }
  return stride;
}

export class PickleWriter {
  private readonly bytes: number[] = [];
  private protocol = 2;

  /** Append raw bytes as they are (an opcode the writer has no method for, or a deliberate lie). */
  raw(...bytes: number[]): this {
    for (const b of bytes) this.bytes.push(b & 0xff);
    return this;
  }

  private buf(b: Buffer): this {
    for (const x of b) this.bytes.push(x);
    return this;
  }

  private u32(n: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n >>> 0);
    return this.buf(b);
  }

  /** PROTO n. */
  proto(n: number): this {
    this.protocol = n;
    return this.raw(0x80, n);
  }

  /** BININT1, BININT2 or BININT where the value fits, else LONG1 (little-endian two's complement, shortest). */
  int(v: number | bigint): this {
    if (typeof v === 'number' && Number.isInteger(v)) {
      if (v >= 0 && v < 0x100) return this.raw(0x4b, v);
      if (v >= 0 && v < 0x10000) return this.raw(0x4d, v & 0xff, v >> 8);
      if (v >= -(2 ** 31) && v < 2 ** 31) {
        const b = Buffer.alloc(4);
        b.writeInt32LE(v);
        return this.raw(0x4a).buf(b);
      }
    } else if (typeof v === 'number') {
      return this.float(v);
    }
    let x = BigInt(v);
    const out: number[] = [];
    if (x !== 0n) {
      // emit bytes until the rest is pure sign extension and the top byte's sign bit agrees
      for (;;) {
        const byte = Number(x & 0xffn);
        out.push(byte);
        x >>= 8n;
        if ((x === 0n && (byte & 0x80) === 0) || (x === -1n && (byte & 0x80) !== 0)) break;
      }
    }
    return this.raw(0x8a, out.length, ...out);
  }

  /** BINFLOAT: a big-endian double. */
  float(v: number): this {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(v);
    return this.raw(0x47).buf(b);
  }

  /** SHORT_BINUNICODE from protocol 4 on (short strings), BINUNICODE otherwise. */
  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    if (this.protocol >= 4 && b.length < 0x100) return this.raw(0x8c, b.length).buf(b);
    return this.raw(0x58).u32(b.length).buf(b);
  }

  bool(b: boolean): this {
    return this.raw(b ? 0x88 : 0x89);
  }

  none(): this {
    return this.raw(0x4e);
  }

  mark(): this {
    return this.raw(0x28);
  }

  /** TUPLE: everything since the last MARK. */
  tuple(): this {
    return this.raw(0x74);
  }

  emptyTuple(): this {
    return this.raw(0x29);
  }

  emptyList(): this {
    return this.raw(0x5d);
  }

  emptyDict(): this {
    return this.raw(0x7d);
  }

  append(): this {
    return this.raw(0x61);
  }

  appends(): this {
    return this.raw(0x65);
  }

  setitem(): this {
    return this.raw(0x73);
  }

  setitems(): this {
    return this.raw(0x75);
  }

  /** BINPUT (LONG_BINPUT from 256 on). */
  put(i: number): this {
    return i < 0x100 ? this.raw(0x71, i) : this.raw(0x72).u32(i);
  }

  /** BINGET (LONG_BINGET from 256 on). */
  get(i: number): this {
    return i < 0x100 ? this.raw(0x68, i) : this.raw(0x6a).u32(i);
  }

  /** GLOBAL: `c module\nname\n`. */
  global(module: string, name: string): this {
    return this.raw(0x63).buf(Buffer.from(`${module}\n${name}\n`, 'utf8'));
  }

  reduce(): this {
    return this.raw(0x52);
  }

  binpersid(): this {
    return this.raw(0x51);
  }

  /** A tuple of integers. */
  ints(values: readonly (number | bigint)[]): this {
    this.mark();
    for (const v of values) this.int(v);
    return this.tuple();
  }

  stop(): this {
    return this.raw(0x2e);
  }

  toBuffer(): Buffer {
    return Buffer.from(this.bytes);
  }
}

/**
 * One tensor as torch.save writes it: `torch._utils._rebuild_tensor_v2(persistent_load(('storage',
 * torch.<Class>, key, 'cpu', numel)), offset, size, stride, False, OrderedDict())`.
 */
export function writeTensor(p: PickleWriter, t: TensorSpec): PickleWriter {
  p.global('torch._utils', '_rebuild_tensor_v2').mark();
  p.mark().str('storage').global('torch', t.storageClass ?? 'FloatStorage').str(t.key).str('cpu').int(t.numel).tuple().binpersid();
  p.int(t.offset ?? 0).ints(t.size).ints(t.stride ?? contiguousStride(t.size)).bool(false);
  p.global('collections', 'OrderedDict').emptyTuple().reduce();
  return p.tuple().reduce();
}

/** A state dict (name → tensor) into `p`: an OrderedDict as torch.save writes one, or a plain dict. */
export function writeStateDict(p: PickleWriter, tensors: readonly TensorSpec[], ordered = true): PickleWriter {
  if (ordered) p.global('collections', 'OrderedDict').emptyTuple().reduce();
  else p.emptyDict();
  if (tensors.length === 0) return p;
  p.mark();
  for (const t of tensors) writeTensor(p.str(t.name), t);
  return p.setitems();
}

/** A whole state dict pickle (data.pkl of a zip checkpoint, or the object of a legacy one). */
export function stateDictPickle(tensors: readonly TensorSpec[], protocol = 2): Buffer {
  return writeStateDict(new PickleWriter().proto(protocol), tensors, true).stop().toBuffer();
}
