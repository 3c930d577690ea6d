// ViT analyses against timm in float64 (test/oracle/analysis_parity.py): DINO ViT-S/16's last-block attention
// (head 1, class row) and the salient / non-salient masks built from it; lesion of ViT blocks; feature-map
// variance of the patch embedding and every attention / MLP residual (class token dropped, as released).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import t from 'tap';

import { Model } from '../../src/models/model.js';
import { effectiveReceptiveField } from '../../src/robustness/analyses/erf.js';
import { featureVariance } from '../../src/robustness/analyses/feature_variance.js';
import { candidateBlocks, lesionSets } from '../../src/robustness/analyses/lesion.js';
import { clsAttention } from '../../src/robustness/analyses/occlusion.js';
import { patchesToDrop } from '../../src/robustness/analyses/occlusion_masks.js';
import { ORACLE_SKIP, oraclePython, runOracleIn } from '../helpers/oracle.js';
import { mulberry, rand, relL2 } from '../helpers/tensor.js';
import { modelUnavailable } from '../helpers/models.js';

const script = new URL('../oracle/analysis_parity.py', import.meta.url).pathname;

const skip = oraclePython() ? modelUnavailable('vit_small_patch16_224.dino') : ORACLE_SKIP;
const argsort = (a: ArrayLike<number>) => Array.from(a, (_, i) => i).sort((p, q) => a[p] - a[q] || p - q);

t.test('DINO ViT-S/16 saliency: attention (head 1, class row) and the salient order equal PyTorch', { skip }, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lkr-an-dino-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const x = rand([2, 224, 224, 3], mulberry(31), 0, 1);
  const lambdas = [0.1, 0.3, 0.5, 0.7, 0.9];
  // qkv weights scaled up so the random attention is peaked (well-separated values, a meaningful order).
  const want = await runOracleIn(dir, script, { timm: 'vit_small_patch16_224.dino', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], attention: true, head: 1, lambdas, qkv_gain: 1.5 }, { x });
  const m = new Model('vit_small_patch16_224.dino');
  m.loadWeights(path.join(dir, 'w.safetensors'));
  const { attention } = await m.forward(x, { recordAttention: true });
  t.ok(attention, 'the attention map is recorded');
  t.same(attention!.shape, [2, 6, 197, 197], '(N, heads, T, T)');
  const all = Float32Array.from({ length: 2 * 6 * 196 }, (_, i) => {
    const b = Math.floor(i / (6 * 196));
    const h = Math.floor(i / 196) % 6;
    return attention!.data[((b * 6 + h) * 197 + 0) * 197 + 1 + (i % 196)];
  });
  t.ok(relL2(all, want.attention.data) <= 1e-4, `class rows of every head: rel. L2 ${relL2(all, want.attention.data).toExponential(2)}`);
  const mine = clsAttention(attention!, 1);
  for (let b = 0; b < 2; b++) {
    const ref = want.attention.data.slice((b * 6 + 1) * 196, (b * 6 + 2) * 196);
    const e = relL2(mine[b], ref);
    t.ok(e <= 1e-4, `image ${b}, head 1: rel. L2 ${e.toExponential(2)} ≤ 1e-4`);
    t.same(argsort(mine[b]), argsort(ref), `image ${b}: identical sort order of the 196 patches`);
    for (const [j, lam] of lambdas.entries()) {
      const marked = Array.from(want[`mask_${j}`].data.slice(b * 196, (b + 1) * 196)).flatMap((v, i) => (v ? [i] : []));
      t.same(patchesToDrop('salient', lam, 196, () => 0, mine[b]), marked, `image ${b}, salient λ ${lam}: the released mask (${marked.length} patches)`);
      t.same(
        patchesToDrop('non-salient', 1 - lam, 196, () => 0, mine[b]),
        Array.from({ length: 196 }, (_, i) => i).filter((i) => !marked.includes(i)),
        `image ${b}, non-salient ${(1 - lam).toFixed(1)}: keeps exactly the released λ = ${lam} mask`,
      );
    }
  }
});

t.test('ViT-S/16 lesion and feature-map variance equal timm', { skip: oraclePython() ? modelUnavailable('vit_small_patch16_224') : ORACLE_SKIP }, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lkr-an-vit-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const probe = new Model('vit_small_patch16_224');
  const cands = candidateBlocks(probe, 'released');
  t.equal(cands.length, 12, 'ViT: every block is a candidate');
  const sets = lesionSets(cands, 4, 1, 5);
  const x = rand([2, 224, 224, 3], mulberry(12), 0, 1);
  const recNames = (await (async () => {
    const { randomParams } = await import('../../src/bench/model.js');
    probe.setParams(randomParams(probe, 0));
    return (await probe.forward(x, { recordBlocks: true })).records!.map((r) => r.name);
  })());
  // Our record names -> the timm tensors: the embedding = blocks.0's input; after a block's attention residual =
  // its norm2's input; after its MLP residual = the block's output.
  const torchOf = (n: string): string => {
    let m: RegExpExecArray | null;
    if ((m = /^blocks\.(\d+)\.attn$/.exec(n))) return `pre:blocks.${m[1]}.norm2`;
    if ((m = /^blocks\.(\d+)(\.mlp)?$/.exec(n))) return `blocks.${m[1]}`;
    if (/embed/.test(n)) return 'pre:blocks.0';
    throw new Error(`no timm counterpart known for the record "${n}"`);
  };
  t.equal(recNames.length, 25, `patch embedding + 12 × (attention, MLP) records: ${recNames.join(', ')}`);
  const want = await runOracleIn(dir, script, { timm: 'vit_small_patch16_224', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], lesion: [[], ...sets.map((s) => s.blocks)], variance: recNames.map((n) => [n, torchOf(n)]), drop_tokens: 1, erf: true }, { x });
  const m = new Model('vit_small_patch16_224');
  m.loadWeights(path.join(dir, 'w.safetensors'));
  const clean = await m.forward(x);
  t.ok(relL2(clean.logits.data, want.lesion_0.data) <= 1e-4, `clean logits rel. L2 ${relL2(clean.logits.data, want.lesion_0.data).toExponential(2)}`);
  for (const [i, s] of sets.entries()) {
    const { logits } = await m.forward(x, { skipBlocks: s.units });
    const e = relL2(logits.data, want[`lesion_${i + 1}`].data);
    t.ok(e <= 1e-4, `drop ${s.blocks.join(' + ')}: logits rel. L2 ${e.toExponential(2)} ≤ 1e-4`);
  }
  // ERF (our extension to ViT): seeded at the central patch token of the normed tokens.
  const { logits: tokens } = await m.forward(x, { featuresOnly: true });
  t.same(tokens.shape, [2, 197, 384], 'featuresOnly: the normed tokens');
  t.ok(relL2(tokens.data, want.features.data) <= 1e-4, `tokens rel. L2 ${relL2(tokens.data, want.features.data).toExponential(2)}`);
  const erf = await effectiveReceptiveField(m, [x]);
  t.ok(relL2(erf.map, want.erf.data) <= 1e-4, `ERF map rel. L2 ${relL2(erf.map, want.erf.data).toExponential(2)} ≤ 1e-4`);
  // Released: the class token is dropped before the variance (the 14×14 patch tokens).
  const recShape = (await m.forward(x, { recordBlocks: true })).records![1].shape;
  t.same(recShape, [2, 196, 384], 'token records cover the 196 patch tokens');
  t.test('feature-map variance over the 196 patch tokens equals NumPy on the hooked activations', async (t) => {
    for (const perImage of [false, true]) {
      const rows = await featureVariance(m, x, perImage);
      const ref = perImage ? want.var_per_image.data : want.var_released.data;
      const errs = rows.map((r, i) => Math.abs(r.variance - ref[i]) / Math.abs(ref[i]));
      const worst = Math.max(...errs);
      t.ok(worst <= 1e-4, `${perImage ? 'per-image' : 'released'}: worst rel. error ${worst.toExponential(2)} at ${rows[errs.indexOf(worst)].name}`);
    }
  });
});
