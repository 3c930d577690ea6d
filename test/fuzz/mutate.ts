// Byte-level mutation of seed files, seeded: flips, interesting values at random places (lengths of -1, -5,
// 2^31, 2^32-1), inserted, deleted or repeated chunks, truncation, and splices of two seeds. Small files stay
// small: nothing grows an input past `maxBytes`.
export type Rng = () => number;

const INTERESTING_8 = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];
const INTERESTING_32 = [0, 1, -1, -5, 0x7fffffff, -0x80000000, 0xffffffff, 0x10000, 0xffff];

export const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)];
export const below = (rng: Rng, n: number): number => Math.floor(rng() * n);

export function mutate(rng: Rng, seed: Buffer, other: Buffer, maxBytes = 1 << 16): Buffer {
  let b = Buffer.from(seed);
  const rounds = 1 + below(rng, 4);
  for (let r = 0; r < rounds; r++) {
    const at = b.length ? below(rng, b.length) : 0;
    switch (below(rng, 8)) {
      case 0: // bit flip
        if (b.length) b[at] ^= 1 << below(rng, 8);
        break;
      case 1: // interesting byte
        if (b.length) b[at] = pick(rng, INTERESTING_8);
        break;
      case 2: // interesting 32-bit little-endian integer
        if (at + 4 <= b.length) b.writeUInt32LE(pick(rng, INTERESTING_32) >>> 0, at);
        break;
      case 3: // random byte
        if (b.length) b[at] = below(rng, 256);
        break;
      case 4: {
        // delete a chunk
        const n = 1 + below(rng, 16);
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + n)]);
        break;
      }
      case 5: {
        // repeat a chunk
        const n = 1 + below(rng, 32);
        const chunk = b.subarray(at, at + n);
        b = Buffer.concat([b.subarray(0, at), chunk, chunk, b.subarray(at)]);
        break;
      }
      case 6: // truncate
        b = b.subarray(0, at);
        break;
      default: {
        // splice: this seed's head, the other's tail
        const cut = other.length ? below(rng, other.length) : 0;
        b = Buffer.concat([b.subarray(0, at), other.subarray(cut)]);
      }
    }
  }
  return b.length > maxBytes ? b.subarray(0, maxBytes) : b;
}
