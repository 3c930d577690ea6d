// Elementwise family on the CPU: add and mul (b the same shape, or 1-D over the last dim with db reduced over
// the rows), scale, permute. Forwards against float64 references under every ISA, backwards against float64
// reference backwards and finite differences. Tolerances: see misc_harness.ts. (No PyTorch run: these are
// exact or single-rounding ops, fully pinned by the float64 references.)
import t from 'tap';

import { runOpSync, type Tensor } from '../../src/native.js';
import { add, addBackward, mul, mulBackward, permute, permuteBackward, scale } from '../../src/ops/elementwise.js';
import { mulberry, rand, relL2 } from '../helpers/tensor.js';
import * as R from '../ref/elementwise.js';
import { runCase, type OpCase } from './misc_harness.js';

const rng = mulberry(303);
const SHAPES = [[2, 7, 9, 5], [1, 13, 11, 33], [3, 5, 5, 8], [1, 1, 1, 16], [2, 17, 3, 12], [3, 197, 40], [2, 5, 7], [4, 1, 64], [37]];
const one = (op: string, ins: (Tensor | null)[], attrs = {}) => runOpSync(op, ins, attrs)[0]!;
const cases: OpCase[] = [];

for (const s of SHAPES) {
  const C = s[s.length - 1];
  const x = rand(s, rng);
  for (const bshape of s.length > 1 ? [s, [C]] : [s]) {
    const b = rand(bshape, rng);
    cases.push({
      name: `add [${s}] + [${bshape}]`, op: 'add', inputs: [x, b], ref: ([a, c]) => R.broadcast(a, c, (p, q) => p + q),
      grads: (dy) => runOpSync('add_backward', [dy], { b_shape: bshape }),
      refGrads: (dy) => {
        const r = R.addBackward(dy, b.data.length);
        return [r.da, r.db];
      },
    });
    cases.push({
      name: `mul [${s}] * [${bshape}]`, op: 'mul', inputs: [x, b], ref: ([a, c]) => R.broadcast(a, c, (p, q) => p * q),
      grads: (dy) => runOpSync('mul_backward', [dy, x, b]),
      refGrads: (dy, [a, c]) => {
        const r = R.mulBackward(dy, a, c);
        return [r.da, r.db];
      },
    });
  }
  cases.push({
    name: `scale [${s}]`, op: 'scale', inputs: [x], attrs: { s: -1.7 }, ref: ([x]) => x.map((v) => -1.7 * v),
    grads: (dy) => [one('scale_backward', [dy], { s: -1.7 })], refGrads: (dy) => [dy.map((v) => -1.7 * v)],
  });
  const rev = s.map((_, i) => s.length - 1 - i);
  const nhwcToNchw = s.length === 4 ? [0, 3, 1, 2] : rev;
  for (const dims of [rev, nhwcToNchw]) {
    cases.push({
      name: `permute [${s}] by [${dims}]`, op: 'permute', inputs: [x], attrs: { dims }, ref: ([x]) => R.permute(x, s, dims),
      grads: (dy) => [one('permute_backward', [dy], { dims })], refGrads: (dy) => [R.permuteBackward(dy, s, dims)],
    });
  }
}

t.test('elementwise: float64 references (every ISA), reference backwards, finite differences', async (t) => {
  cases.forEach((c, i) => runCase(t, c, 3000 + i));
});

t.test('typed wrappers (src/ops/elementwise.ts)', async (t) => {
  const a = rand([2, 3, 4], mulberry(1));
  const b = rand([4], mulberry(2));
  t.equal(relL2((await add(a, b)).data, one('add', [a, b]).data), 0, 'add = the op');
  t.equal(relL2((await mul(a, b)).data, one('mul', [a, b]).data), 0, 'mul = the op');
  const g = await addBackward(a, [4]);
  t.same(g.db.shape, [4], 'addBackward reduces db to b');
  const m = await mulBackward(a, a, b);
  t.same(m.db.shape, [4], 'mulBackward reduces db to b');
  t.same((await permute(a, [2, 0, 1])).shape, [4, 2, 3], 'permute shape');
  t.same((await permuteBackward(await permute(a, [2, 0, 1]), [2, 0, 1])).data, a.data, 'permuteBackward inverts');
  await t.rejects(scale(a, Number.NaN), /expected `s` a finite number, received NaN/);
  await t.rejects(permute(a, [0, 0, 1]), /expected `dims` a permutation of 0..2, received \[0, 0, 1\]/);
  await t.rejects(add(a, rand([3], mulberry(3))), /expected b of shape \[2, 3, 4\] or \[4\], received \[3\]/);
  await t.rejects(addBackward(a, [5]), /expected `bShape` \[2, 3, 4\] or \[4\], received \[5\]/);
});
