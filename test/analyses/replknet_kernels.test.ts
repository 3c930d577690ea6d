// Kernel attention distance on RepLKNet-31B with random weights: `applied` is the kernel the model applies, the
// large branch and the 5×5 branch each BN-folded and summed (the 5×5 zero-padded into the centre), which is
// computed here by hand from the checkpoint tensors; `large` is the raw lkb_origin weight.
import t from 'tap';

import { randomParams } from '../../src/bench/model.js';
import { Model } from '../../src/models/model.js';
import type { Tensor } from '../../src/native.js';
import { kernelDistances } from '../../src/robustness/analyses/kernel_distance.js';
import { kernelDistanceLayers } from '../../src/robustness/analyses/kernel_distance_run.js';
import { mulberry, rand, relL2 } from '../helpers/tensor.js';
import { modelUnavailable } from '../helpers/models.js';

/** BN-folded depthwise weight (C, 1, k, k) · gamma / sqrt(var + 1e-5), zero-padded to K × K. */
function folded(p: Record<string, Tensor>, prefix: string, K: number): Float64Array {
  const w = p[`${prefix}.conv.weight`];
  const [c, , k] = w.shape;
  const g = p[`${prefix}.bn.weight`].data;
  const v = p[`${prefix}.bn.running_var`].data;
  const off = (K - k) / 2;
  const out = new Float64Array(c * K * K);
  for (let ch = 0; ch < c; ch++) {
    const s = g[ch] / Math.sqrt(v[ch] + 1e-5);
    for (let y = 0; y < k; y++) for (let x = 0; x < k; x++) out[(ch * K + y + off) * K + x + off] = w.data[(ch * k + y) * k + x] * s;
  }
  return out;
}

t.test('RepLKNet-31B: applied-kernel distances equal the hand-fused kernels', { skip: modelUnavailable('replknet_31b') }, async (t) => {
  const m = new Model('replknet_31b');
  const params = randomParams(m, 3);
  m.setParams(params);
  const blocks = Object.keys(params)
    .filter((k) => k.endsWith('.large_kernel.lkb_origin.conv.weight'))
    .map((k) => k.replace(/\.lkb_origin\.conv\.weight$/, ''));
  t.equal(blocks.length, 24, 'one large kernel per RepLK block');
  const hand = blocks.map((b) => {
    const K = params[`${b}.lkb_origin.conv.weight`].shape[3];
    const big = folded(params, `${b}.lkb_origin`, K);
    const small = folded(params, `${b}.small_conv`, K);
    const fused = big.map((v, i) => v + small[i]);
    return { name: b, K, C: params[`${b}.lkb_origin.conv.weight`].shape[0], fused };
  });
  t.same([...new Set(hand.map((h) => h.K))], [31, 29, 27, 13], 'kernels 31/29/27/13');

  const check = (what: string) => {
    const layers = kernelDistanceLayers(m, 'applied', 'paper');
    const code = kernelDistanceLayers(m, 'applied', 'code');
    t.equal(layers.length, 24, `${what}: 24 layers`);
    let worst = 0;
    let names = true;
    for (const [i, l] of layers.entries()) {
      const h = hand[i];
      if (!l.name.startsWith(h.name.replace(/\.large_kernel$/, ''))) names = false;
      for (const def of ['paper', 'code'] as const) {
        const want = kernelDistances(h.fused, [h.C, 1, h.K, h.K], def);
        const got = def === 'paper' ? l.distances : code[i].distances;
        worst = Math.max(worst, relL2(got, want));
      }
      t.equal(l.kernel, h.K);
    }
    t.ok(names, `${what}: layers named by their blocks, in order`);
    t.ok(worst <= 1e-5, `${what}: distances rel. L2 to the hand-fused kernels ${worst.toExponential(2)} ≤ 1e-5`);
  };
  // The large branch alone (as the released code reads it) differs from the applied kernel.
  const large = kernelDistanceLayers(m, 'large', 'paper');
  t.ok(relL2(large[0].distances, kernelDistances(params[`${blocks[0]}.lkb_origin.conv.weight`].data, params[`${blocks[0]}.lkb_origin.conv.weight`].shape)) <= 1e-12, 'large: the raw lkb_origin weight');
  t.ok(relL2(large[0].distances, kernelDistances(hand[0].fused, [hand[0].C, 1, hand[0].K, hand[0].K])) > 1e-3, 'large ≠ applied');
  check('before re-parameterisation');
  // The model computes the same before and after structural re-parameterisation, and `applied` does not move.
  const x = rand([1, 64, 64, 3], mulberry(1), 0, 1);
  const before = await m.forward(x);
  t.ok(m.reparameterize(), 're-parameterised');
  const after = await m.forward(x);
  t.ok(relL2(after.logits.data, before.logits.data) <= 1e-4, `logits unchanged by re-parameterisation (${relL2(after.logits.data, before.logits.data).toExponential(2)})`);
  check('after re-parameterisation');
});
