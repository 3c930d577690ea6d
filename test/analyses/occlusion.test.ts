// The occlusion scorer's engine calls: one forward per (mode, ratio) for the whole batch, per-image masks
// included, and one saliency call per batch; the images the model receives carry exactly the masks of
// occlusion_masks.ts (zero fill in pixel space).
import t from 'tap';

import { randomParams } from '../../src/bench/model.js';
import { Model, type RunOptions } from '../../src/models/model.js';
import type { Tensor } from '../../src/native.js';
import { clsAttention, occlusionScorer } from '../../src/robustness/analyses/occlusion.js';
import { patchesToDrop } from '../../src/robustness/analyses/occlusion_masks.js';
import { mulberry, rand } from '../helpers/tensor.js';

const N = 3;
const S = 224;
const x = rand([N, S, S, 3], mulberry(4), 0.1, 1); // no zero pixels before masking

/** Which 16×16 patches of image b are all zero. */
function zeroPatches(d: Float32Array, b: number): number[] {
  const out: number[] = [];
  for (let p = 0; p < 196; p++) {
    const py = Math.floor(p / 14) * 16;
    const px = (p % 14) * 16;
    let zero = true;
    for (let y = py; y < py + 16 && zero; y++) for (let c = px * 3; c < (px + 16) * 3; c++) if (d[((b * S + y) * S) * 3 + c] !== 0) zero = false;
    if (zero) out.push(p);
  }
  return out;
}

t.test('one forward per setting for the whole batch; masks as specified', async (t) => {
  const model = new Model('lkr_demo_convnext');
  model.setParams(randomParams(model, 2));
  const seen: { x: Tensor; o?: RunOptions }[] = [];
  const fwd = model.forward.bind(model);
  model.forward = (xx, o) => {
    seen.push({ x: { shape: xx.shape, data: Float32Array.from(xx.data) }, o });
    return fwd(xx, o);
  };
  // A stand-in saliency model: a fixed (N, 6, 197, 197) attention, one call per batch.
  const heads = 6;
  const att = rand([N, heads, 197, 197], mulberry(9), 0, 1);
  let saliencyCalls = 0;
  const saliency = {
    forward: async (xx: Tensor, o: RunOptions) => {
      saliencyCalls++;
      t.same(xx.shape, [N, S, S, 3], 'saliency sees the whole clean batch');
      t.ok(o.recordAttention, 'asks for the attention map');
      return { logits: { shape: [N, 384], data: new Float32Array(N * 384) }, attention: att };
    },
  } as unknown as Model;
  const ratios = [0.1, 0.5];
  const score = occlusionScorer(model, { ratios, modes: ['random', 'salient', 'non-salient'], patch: 16, perImage: true, seed: 3, saliency, head: 1 });
  const scores = await score(x, [0, 1, 2], 7);
  t.equal(saliencyCalls, 1, 'one saliency call per batch');
  t.equal(seen.length, 1 + 3 * ratios.length, 'clean + one forward per (mode, ratio)');
  t.ok(seen.every((s) => s.x.shape[0] === N), 'every forward holds the whole batch (per-image masks too)');
  t.same(Object.keys(scores), ['clean', 'random@0.1', 'random@0.5', 'salient@0.1', 'salient@0.5', 'non-salient@0.1', 'non-salient@0.5']);
  const cls = clsAttention(att, 1);
  t.equal(cls[0][0], att.data[1 * 197 * 197 + 1], 'head 1, class row, patches only');
  let k = 1;
  for (const mode of ['random', 'salient', 'non-salient'] as const) {
    for (const r of ratios) {
      const got = Array.from({ length: N }, (_, b) => zeroPatches(seen[k].x.data, b));
      if (mode === 'random') {
        t.ok(got.every((g) => g.length === Math.floor(r * 196 + 1e-9)), `random ${r}: ⌊r·196⌋ patches per image`);
        t.notSame(got[0], got[1], 'per-image: different sets');
      } else {
        for (let b = 0; b < N; b++) t.same(got[b], patchesToDrop(mode, r, 196, () => 0, cls[b]), `${mode} ${r} image ${b}: its own mask`);
      }
      k++;
    }
  }
  // One random set per batch (released default).
  seen.length = 0;
  await occlusionScorer(model, { ratios: [0.3], modes: ['random'], patch: 16, perImage: false, seed: 3, head: 1 })(x, [0, 1, 2], 0);
  const sets = Array.from({ length: N }, (_, b) => zeroPatches(seen[1].x.data, b));
  t.ok(sets.every((s) => s.length === 58) && sets.every((s) => JSON.stringify(s) === JSON.stringify(sets[0])), 'shared set of 58 patches');
});

t.test('salient modes without a saliency model are refused', async (t) => {
  const model = new Model('lkr_demo_convnext');
  t.throws(() => occlusionScorer(model, { ratios: [0.1], modes: ['salient'], patch: 16, perImage: false, seed: 0, head: 1 }), /saliency/);
});
