// ViT graph against timm (test/oracle/vit_model.py, float64 reference): ViT-S/16 logits and input gradients
// from .pth and .safetensors, the CLI's predict, lesion of attention / MLP residual units, recorded names;
// DINO ViT-S/16 (no head): the normed class token, its input gradient for given dlogits, and the last block's
// attention equal to DINO's last self-attention; parameter specs of B, L and DINO against timm; other input
// sizes refused.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import t from 'tap';

import { randomParams } from '../../src/bench/model.js';
import { readNpy, writeNpy } from '../../src/data/npy.js';
import { Model } from '../../src/models/model.js';
import { CLI } from '../eval/fixtures.js';
import { ORACLE_SKIP, oraclePython, runOracleIn } from '../helpers/oracle.js';
import { mulberry, rand, relL2 } from '../helpers/tensor.js';

const run = promisify(execFile);
const script = new URL('../oracle/vit_model.py', import.meta.url).pathname;
const skip = oraclePython() ? false : ORACLE_SKIP;
const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const HALF = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };

function tmp(t: { teardown(fn: () => void): void }, tag: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `lkr-vit-${tag}-`));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('vit_small_patch16_224: logits, input gradient, lesion and records equal timm', { skip }, async (t) => {
  const dir = tmp(t, 's16');
  const x = rand([2, 224, 224, 3], mulberry(16), 0, 1);
  const labels = [9, 400];
  // Units: 2b = block b's attention residual, 2b + 1 its MLP residual; a whole block (6, 7) and single units.
  const skipUnits = [1, 6, 7, 12, 23];
  const want = await runOracleIn(dir, script, { name: 'vit_small_patch16_224', ...HALF, labels, skip_units: skipUnits }, { x });
  for (const file of ['w.pth', 'w.safetensors']) {
    const m = new Model('vit_small_patch16_224');
    const info = m.loadWeights(path.join(dir, file));
    t.same(info.ignored, [], `${file}: no key left unused`);
    const { logits, grad } = await m.inputGradient(x, { labels });
    t.same(logits.shape, [2, 1000]);
    t.same(grad.shape, x.shape);
    const el = relL2(logits.data, want.logits.data);
    const eg = relL2(grad.data, want.grad.data);
    t.ok(el <= 1e-4, `${file}: logits rel. L2 ${el.toExponential(2)} ≤ 1e-4`);
    t.ok(eg <= 1e-3, `${file}: input gradient rel. L2 ${eg.toExponential(2)} ≤ 1e-3`);
    if (file === 'w.pth') continue;

    const names = m.blockNames();
    t.equal(names.length, 24, '12 blocks x (attention, MLP) residual units');
    t.same(names.slice(0, 3), ['blocks.0.attn', 'blocks.0.mlp', 'blocks.1.attn']);
    t.equal(names[23], 'blocks.11.mlp');
    const les = await m.forward(x, { skipBlocks: skipUnits, recordBlocks: true });
    const e = relL2(les.logits.data, want.lesion_logits.data);
    t.ok(e <= 1e-4, `lesion of units ${skipUnits.join(', ')}: logits rel. L2 ${e.toExponential(2)} ≤ 1e-4`);
    const recs = les.records!;
    t.same(recs.map((r) => r.name), ['patch_embed', ...names], 'records: the token embedding, then every unit');
    t.same(recs[0].shape, [2, 196, 384], 'statistics over the 196 patch tokens (class token left out, as released)');
    t.equal(recs[2].mean, recs[1].mean, 'a skipped unit (blocks.0.mlp) outputs its input');

    const feats = await m.forward(x, { featuresOnly: true });
    t.same(feats.logits.shape, [2, 197, 384], 'featuresOnly: the normed tokens');
  }
  // Through the CLI, from either checkpoint format.
  writeNpy(path.join(dir, 'x.npy'), x.shape, x.data);
  for (const file of ['w.pth', 'w.safetensors']) {
    const args = [CLI, 'predict', '--model', 'vit_small_patch16_224', '--weights', path.join(dir, file), '--input', path.join(dir, 'x.npy'), '--json', '--out-logits', path.join(dir, 'y.npy'), '--input-grad', path.join(dir, 'g.npy'), '--labels', labels.join(',')];
    const { stdout } = await run('node', args, { maxBuffer: 16 << 20 });
    t.equal(JSON.parse(stdout).results.length, 2, `predict --weights ${file}: one result per image`);
    const ey = relL2(readNpy(path.join(dir, 'y.npy')).data, want.logits.data);
    const eg = relL2(readNpy(path.join(dir, 'g.npy')).data, want.grad.data);
    t.ok(ey <= 1e-4, `predict --weights ${file} --out-logits rel. L2 ${ey.toExponential(2)}`);
    t.ok(eg <= 1e-3, `predict --weights ${file} --input-grad rel. L2 ${eg.toExponential(2)}`);
  }
});

t.test('DINO ViT-S/16: normed class token, its input gradient, and the last self-attention equal timm', { skip }, async (t) => {
  const dir = tmp(t, 'dino');
  const x = rand([2, 224, 224, 3], mulberry(44), 0, 1);
  const dlogits = rand([2, 384], mulberry(45), -1, 1);
  const want = await runOracleIn(dir, script, { name: 'vit_small_patch16_224.dino', ...IMAGENET, attention: true, qkv_gain: 1.5 }, { x, dlogits });
  const m = new Model('vit_small_patch16_224.dino');
  t.notOk(m.paramSpecs().some((s) => s.name.startsWith('head')), 'no head parameters');
  m.loadWeights(path.join(dir, 'w.pth'));
  const { logits, grad, attention } = await m.inputGradient(x, { dlogits }, { recordAttention: true });
  t.same(logits.shape, [2, 384], 'output: the 384-d class token after the final norm');
  const el = relL2(logits.data, want.logits.data);
  const eg = relL2(grad.data, want.grad.data);
  t.ok(el <= 1e-4, `features rel. L2 ${el.toExponential(2)} ≤ 1e-4`);
  t.ok(eg <= 1e-3, `input gradient of <features, dlogits> rel. L2 ${eg.toExponential(2)} ≤ 1e-3`);
  t.ok(attention, 'the attention map is recorded');
  t.same(attention!.shape, [2, 6, 197, 197], '(N, heads, T, T)');
  // attention[:, :, 0, 1:] as (N, 6, 14, 14), row-major over the patch grid.
  const cls = new Float32Array(2 * 6 * 196);
  for (let i = 0; i < cls.length; i++) {
    const bh = Math.floor(i / 196);
    cls[i] = attention!.data[bh * 197 * 197 + 1 + (i % 196)];
  }
  t.same(want.attention.shape, [2, 6, 14, 14]);
  const ea = relL2(cls, want.attention.data);
  t.ok(ea <= 1e-4, `last-block class-row attention rel. L2 ${ea.toExponential(2)} ≤ 1e-4`);
  let rowSum = 0;
  for (let j = 0; j < 197; j++) rowSum += attention!.data[j];
  t.ok(Math.abs(rowSum - 1) < 1e-5, 'attention rows sum to 1');
  const plain = await m.forward(x);
  t.notOk(plain.attention, 'no attention kept unless asked');
  const feats = await m.forward(x, { featuresOnly: true });
  const tok0 = Float32Array.from({ length: 2 * 384 }, (_, i) => feats.logits.data[Math.floor(i / 384) * 197 * 384 + (i % 384)]);
  t.same(Array.from(tok0), Array.from(logits.data), 'featuresOnly token 0 is the output');
});

t.test('ViT-B/16, ViT-L/16 and DINO ViT-S/16 parameter specs equal timm state_dict keys and shapes', { skip }, async (t) => {
  const dir = tmp(t, 'specs');
  const names = { vit_base_patch16_224: 152, vit_large_patch16_224: 296, 'vit_small_patch16_224.dino': 150 };
  await runOracleIn(dir, script, { specs: Object.keys(names) });
  const want: Record<string, [string, number[]][]> = JSON.parse(readFileSync(path.join(dir, 'specs.json'), 'utf8'));
  for (const [name, count] of Object.entries(names)) {
    const mine = new Model(name).paramSpecs().map((s) => [s.name, s.shape] as [string, number[]]);
    t.equal(mine.length, count, `${name}: ${count} parameters`);
    t.same(new Map(mine), new Map(want[name]), `${name}: same keys and shapes as timm`);
  }
});

t.test('inputs other than img_size are refused with the expected size', async (t) => {
  const m = new Model('vit_small_patch16_224');
  m.setParams(randomParams(m, 3));
  await t.rejects(m.forward(rand([1, 96, 96, 3], mulberry(1), 0, 1)), /vit: expected input 224x224 .*14x14 grid.*received 96x96/);
  await t.rejects(m.forward(rand([1, 224, 240, 3], mulberry(1), 0, 1)), /received 224x240/);
  const { logits, records } = await m.forward(rand([1, 224, 224, 3], mulberry(1), 0, 1), { recordBlocks: true, skipBlocks: [0, 23] });
  t.same(logits.shape, [1, 1000]);
  t.equal(records!.length, 25);
  t.ok(logits.data.every(Number.isFinite));
});
