import t from 'tap';

import { encodeNpy, parseNpy } from '../src/data/npy.js';
import { ORACLE_SKIP, oraclePython, runOracle } from './helpers/oracle.js';

t.test('npy round trip keeps shape, dtype and values', async (t) => {
  const a = Float32Array.from([1.5, -2, 3.25, 0, 7, 8]);
  const back = parseNpy(encodeNpy([2, 3], a));
  t.same(back.shape, [2, 3]);
  t.ok(back.data instanceof Float32Array);
  t.same(Array.from(back.data), Array.from(a));
  const d = parseNpy(encodeNpy([3], Float64Array.from([0.1, 0.2, 0.3])));
  t.ok(d.data instanceof Float64Array);
  t.equal(d.data[1], 0.2);
  const header = encodeNpy([4], new Float32Array(4)).subarray(0, 128).toString('latin1');
  t.equal((header.indexOf('\n') + 1) % 64, 0, 'preamble padded to a multiple of 64');
});

t.test('npy rejects what it cannot read, by name', async (t) => {
  t.throws(() => parseNpy(Buffer.from('hello world'), 'x.npy'), /x\.npy: not a readable \.npy file: missing/);
  const good = encodeNpy([2, 2], new Float32Array(4));
  t.throws(() => parseNpy(good.subarray(0, good.length - 3), 'cut.npy'), /truncated data/);
  const fortran = Buffer.from(good.toString('latin1').replace("'fortran_order': False", "'fortran_order': True "), 'latin1');
  t.throws(() => parseNpy(fortran, 'f.npy'), /Fortran/);
});

t.test('numpy reads what we write and we read what numpy writes', { skip: oraclePython() ? false : ORACLE_SKIP }, async (t) => {
  const script = new URL('./oracle/npy_roundtrip.py', import.meta.url).pathname;
  const out = await runOracle(script, {}, { a: { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) } });
  t.same(out.a2.shape, [2, 3]);
  t.same(Array.from(out.a2.data), [2, 4, 6, 8, 10, 12]);
  t.ok(out.f64.data instanceof Float64Array);
  t.same(out.f64.shape, [4]);
});
