// torch.rand / torch.randn (float32, CPU generator) against torch in the oracle venv, across sizes below, at and
// above torch's 16-value block (where a vectorised path could differ), and the stream after them.
import t from 'tap';

import { Mt19937, torchRand, torchRandn } from '../../src/util/torch_random.js';
import { ORACLE_SKIP, oraclePython, runOracle } from '../helpers/oracle.js';

const script = new URL('../oracle/torch_random.py', import.meta.url).pathname;
const SEEDS = [0, 1, 1234567];
const SIZES = [1, 7, 15, 16, 17, 31, 32, 33, 100, 3072, 3 * 32 * 32 * 77 + 5];
const SHAPE4D = [3, 3, 4, 5];

t.test('pure: torch.rand values are 24-bit fractions in [0, 1), one draw each', async (t) => {
  const a = torchRand(1000, new Mt19937(3));
  t.ok(a.every((v) => v >= 0 && v < 1 && Number.isInteger(v * 2 ** 24)), 'k · 2^-24, 0 ≤ k < 2^24');
  const g = new Mt19937(3);
  for (let i = 0; i < 1000; i++) g.next32();
  t.equal(torchRand(1, g)[0], torchRand(1001, new Mt19937(3))[1000], 'the 1001st value is the 1001st draw');
  t.throws(() => torchRandn(15, new Mt19937(0)), RangeError);
});

t.test('torch.rand and torch.randn (float32) equal torch\'s after torch.manual_seed', { skip: oraclePython() ? false : ORACLE_SKIP }, async (t) => {
  const ref = await runOracle(script, { seeds: SEEDS, sizes: SIZES, shape4d: SHAPE4D }, {});
  t.equal(ref.default_f32.data[0], 1, 'torch.rand without a dtype is float32 (no 64-bit draws per value)');
  for (const seed of SEEDS) {
    for (const n of SIZES) {
      const g = new Mt19937(seed);
      const ours = [...torchRand(n, g), ...torchRand(5, g)];
      const theirs = Array.from(ref[`rand_${seed}_${n}`].data);
      const bad = ours.findIndex((v, i) => v !== theirs[i]);
      t.equal(bad, -1, `rand seed ${seed}, n ${n} (+ 5 more): bitwise equal${bad >= 0 ? `; first difference at ${bad}: ${ours[bad]} vs ${theirs[bad]}` : ''}`);
      if (n < 16) continue;
      const h = new Mt19937(seed);
      const nOurs = torchRandn(n, h);
      const after = torchRand(5, h);
      const nTheirs = ref[`randn_${seed}_${n}`].data;
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(nOurs[i] - nTheirs[i]) / Math.max(1, Math.abs(nTheirs[i])));
      t.ok(worst <= 2e-6, `randn seed ${seed}, n ${n}: within float32 rounding (worst ${worst.toExponential(1)})`);
      t.same(Array.from(after), Array.from(nTheirs.subarray(n)), `randn seed ${seed}, n ${n}: the stream goes on where torch's does`);
    }
    const flat = torchRand(SHAPE4D.reduce((a, b) => a * b), new Mt19937(seed));
    t.same(Array.from(flat), Array.from(ref[`rand4d_${seed}`].data), `rand${JSON.stringify(SHAPE4D)}: row-major (NCHW) order`);
  }
});
