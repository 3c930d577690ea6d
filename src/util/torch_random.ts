// torch's CPU random stream where a result must match a released or reference script draw for draw:
// `torch.manual_seed(s)` seeds an MT19937 (32-bit seed, the standard init); `torch.randperm(n)` (n < 2^32 / 20) is
// a Fisher–Yates pass that swaps r[i] with r[i + (next32() mod (n − i))] for i = 0..n−2; `torch.rand` and
// `torch.randn` (float32) are below. Checked against torch in the oracle.

/** The 32-bit Mersenne Twister (MT19937) as torch's CPUGeneratorImpl runs it. */
export class Mt19937 {
  private readonly mt = new Uint32Array(624);
  private index = 624;

  constructor(seed: number) {
    this.mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = this.mt[i - 1] ^ (this.mt[i - 1] >>> 30);
      // 1812433253 · prev + i, modulo 2^32 (split to stay exact in doubles)
      this.mt[i] = (((((prev & 0xffff0000) >>> 16) * 1812433253) << 16) + (prev & 0x0000ffff) * 1812433253 + i) >>> 0;
    }
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < 624; i++) {
      const y = (mt[i] & 0x80000000) | (mt[(i + 1) % 624] & 0x7fffffff);
      mt[i] = mt[(i + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.index = 0;
  }

  /** The next 32-bit output, as an unsigned integer. */
  next32(): number {
    if (this.index >= 624) this.twist();
    let y = this.mt[this.index++];
    y ^= y >>> 11;
    y = (y ^ ((y << 7) & 0x9d2c5680)) >>> 0;
    y = (y ^ ((y << 15) & 0xefc60000)) >>> 0;
    y ^= y >>> 18;
    return y >>> 0;
  }
}

/** torch.randperm(n) on the CPU generator `g` (the path torch takes for n < 2^32 / 20). */
export function torchRandperm(n: number, g: Mt19937): number[] {
  if (!Number.isInteger(n) || n < 0 || n >= 2 ** 32 / 20) throw new RangeError(`torchRandperm: n must be an integer in 0..${Math.floor(2 ** 32 / 20) - 1}, received ${n}`);
  const r = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < n - 1; i++) {
    const z = g.next32() % (n - i);
    const t = r[i];
    r[i] = r[i + z];
    r[i + z] = t;
  }
  return r;
}

/**
 * torch.rand(n) in float32 on the CPU generator `g`: one 32-bit draw per value, serially, its low 24 bits (the
 * float mantissa) times 2^-24, so every value is exact in float32 and lies in [0, 1). Checked against torch
 * across sizes below and above its 16-value vector width (test/util/torch_random.test.ts).
 */
export function torchRand(n: number, g: Mt19937): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (g.next32() & 0xffffff) * 2 ** -24;
  return out;
}

/**
 * torch.randn(n) in float32 on the CPU generator `g` for n ≥ 16 (torch's `normal_fill`): n uniforms as torch.rand
 * draws them, then Box–Muller on each block of 16 (u1 = 1 − the first 8, u2 = the next 8: r·cos, r·sin with
 * r = √(−2 ln u1), θ = 2π·u2); when n is not a multiple of 16 the last 16 are drawn afresh and transformed again.
 * torch evaluates ln, sin and cos with float32 vector approximations: ours agree to float32 rounding, not bitwise.
 */
export function torchRandn(n: number, g: Mt19937): Float32Array {
  if (!Number.isInteger(n) || n < 16) throw new RangeError(`torchRandn: torch's block path needs n ≥ 16, received ${n}`);
  const out = torchRand(n, g);
  const block = (o: number) => {
    for (let j = 0; j < 8; j++) {
      const r = Math.sqrt(-2 * Math.log(1 - out[o + j]));
      const theta = Math.fround(2 * Math.PI) * out[o + j + 8];
      out[o + j] = r * Math.cos(theta);
      out[o + j + 8] = r * Math.sin(theta);
    }
  };
  for (let o = 0; o + 16 <= n; o += 16) block(o);
  if (n % 16) {
    out.set(torchRand(16, g), n - 16);
    block(n - 16);
  }
  return out;
}
