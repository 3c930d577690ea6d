// Multi-head attention on the CPU: q, k, v (B, heads, T, D) -> out and probs = softmax(q k^T scale). Forward
// (out and probs) against the float64 reference under every ISA, including ViT-B/16's T = 197, D = 64 with 12
// heads; the backward (dq, dk, dv from the saved probs) against the float64 reference backward and finite
// differences; then PyTorch's scaled_dot_product_attention. Tolerances: see misc_harness.ts.
import t from 'tap';

import { runOpSync } from '../../src/native.js';
import { attention, attentionBackward } from '../../src/ops/attention.js';
import { ORACLE_SKIP, oraclePython } from '../helpers/oracle.js';
import { mulberry, rand, relL2, toF64 } from '../helpers/tensor.js';
import * as R from '../ref/attention.js';
import { close, ISAS, pytorch, runCase, withIsa, type OpCase } from './misc_harness.js';

const rng = mulberry(505);
const SHAPES = [[2, 3, 7, 8], [1, 6, 197, 16], [3, 1, 5, 4], [1, 2, 1, 3], [2, 4, 13, 9], [1, 2, 33, 64]];
const cases: OpCase[] = [];

for (const s of SHAPES) {
  const [q, k, v] = [rand(s, rng), rand(s, rng), rand(s, rng)];
  const scale = 1 / Math.sqrt(s[3]);
  cases.push({
    name: `attention [${s}]`, op: 'attention', inputs: [q, k, v], attrs: { scale },
    ref: ([q, k, v]) => R.attention(q, k, v, s, scale),
    grads: (dy) => {
      const probs = runOpSync('attention', [q, k, v], { scale })[1];
      return runOpSync('attention_backward', [dy, q, k, v, probs], { scale });
    },
    refGrads: (dy, [q, k, v]) => {
      const r = R.attentionBackward(dy, q, k, v, s, scale);
      return [r.dq, r.dk, r.dv];
    },
  });
  // Larger logits (scale 1): peaked rows exercise the max subtraction.
  const [q2, k2] = [rand(s, rng, -3, 3), rand(s, rng, -3, 3)];
  cases.push({
    name: `attention probs, peaked rows [${s}]`, op: 'attention', output: 1, inputs: [q2, k2, v], attrs: { scale: 1 },
    ref: ([q, k, v]) => R.attentionFull(q, k, v, s, 1).probs,
  });
}

t.test('attention: float64 references (every ISA), reference backward, finite differences', async (t) => {
  cases.forEach((c, i) => runCase(t, c, 5000 + i));
});

t.test('ViT-B/16 geometry (1, 12, 197, 64): out, probs and the backward, every ISA', async (t) => {
  const s = [1, 12, 197, 64];
  const r = mulberry(9);
  const [q, k, v, dout] = [rand(s, r), rand(s, r), rand(s, r), rand(s, r)];
  const scale = 0.125;
  const want = R.attentionFull(toF64(q), toF64(k), toF64(v), s, scale);
  const wantG = R.attentionBackward(toF64(dout), toF64(q), toF64(k), toF64(v), s, scale);
  for (const isa of ISAS) {
    withIsa(isa, () => {
      const [out, probs] = runOpSync('attention', [q, k, v], { scale });
      close(t, `out [${isa}]`, out?.data, want.out);
      close(t, `probs [${isa}]`, probs?.data, want.probs);
      const [dq, dk, dv] = runOpSync('attention_backward', [dout, q, k, v, probs], { scale });
      close(t, `dq [${isa}]`, dq?.data, wantG.dq);
      close(t, `dk [${isa}]`, dk?.data, wantG.dk);
      close(t, `dv [${isa}]`, dv?.data, wantG.dv);
    });
  }
});

t.test('typed wrappers (src/ops/attention.ts)', async (t) => {
  const s = [1, 2, 5, 4];
  const [q, k, v] = [rand(s, mulberry(1)), rand(s, mulberry(2)), rand(s, mulberry(3))];
  const { out, probs } = await attention(q, k, v);
  const [o2] = runOpSync('attention', [q, k, v], { scale: 0.5 });
  t.equal(relL2(out.data, o2!.data), 0, 'scale defaults to 1/sqrt(D)');
  const g = await attentionBackward(out, q, k, v, probs);
  t.same(g.dq.shape, s, 'dq shape');
  await t.rejects(attention(q, k, v, { scale: Number.POSITIVE_INFINITY }), /expected `scale` a finite number, received Infinity/);
  await t.rejects(attention(rand([2, 5, 4], mulberry(4)), k, v), /expected `q` of rank 4, received shape \[2,5,4\]/);
  await t.rejects(attention(q, k, v, { heads: 2 } as never), /unknown option `heads`/);
});

t.test('against PyTorch scaled_dot_product_attention (float64, autograd)', { skip: oraclePython() ? false : ORACLE_SKIP }, async (t) => {
  const s = [2, 3, 11, 8];
  const r = mulberry(51);
  const arrays = { q: rand(s, r), k: rand(s, r), v: rand(s, r), dy: rand(s, r) };
  const scale = 1 / Math.sqrt(8);
  const o = await pytorch([{ id: 'att', op: 'attention', inputs: ['q', 'k', 'v'], attrs: { scale }, dy: 'dy' }], arrays);
  const { q, k, v, dy } = arrays;
  const [out, probs] = runOpSync('attention', [q, k, v], { scale });
  close(t, 'out', out?.data, o.att_y.data);
  close(t, 'probs', probs?.data, o.att_y1.data);
  const [dq, dk, dv] = runOpSync('attention_backward', [dy, q, k, v, probs], { scale });
  close(t, 'dq', dq?.data, o.att_d0.data);
  close(t, 'dk', dk?.data, o.att_d1.data);
  close(t, 'dv', dv?.data, o.att_d2.data);
});
