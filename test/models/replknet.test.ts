// RepLKNet graph vs the independent PyTorch reference (scripts/replknet_reference.py via
// test/oracle/replknet_model.py) on random weights and random BN statistics: logits, input gradients, lesion,
// structural re-parameterisation (ours and the reference's fused checkpoint), key names and shapes.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import t from 'tap';

import { readNpy, writeNpy } from '../../src/data/npy.js';
import { addon, type Tensor } from '../../src/native.js';
import { loadCheckpoint } from '../../src/models/checkpoint/index.js';
import { Model } from '../../src/models/model.js';
import { findModel } from '../../src/models/registry.js';
import { CLI } from '../eval/fixtures.js';
import { ORACLE_SKIP, oraclePython, runOracleIn } from '../helpers/oracle.js';
import { mulberry, rand, relL2 } from '../helpers/tensor.js';

const run = promisify(execFile);
const script = new URL('../oracle/replknet_model.py', import.meta.url).pathname;
const skip = oraclePython() ? false : ORACLE_SKIP;

interface NativeModel {
  paramSpecs(): { name: string; shape: number[] }[];
  setParams(p: Record<string, Tensor>): void;
  getParams(): Record<string, Tensor>;
  blockNames(): string[];
  forward(x: Tensor, opts?: { skipBlocks?: number[] }): Promise<{ logits: Tensor }>;
  inputGradient(x: Tensor, target: { labels: number[] }): Promise<{ logits: Tensor; grad: Tensor }>;
  reparameterize(): boolean;
  depthwiseKernels(): { name: string; weight: Tensor }[];
}
const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const nativeModel = (config: Record<string, unknown>): NativeModel =>
  new (addon().Model as new (family: string, cfg: object) => NativeModel)('replknet', { ...config, ...IMAGENET });
// A checkpoint's tensors for exactly the graph's parameter names (missing ones stay missing for setParams to name).
function checkpointParams(file: string, names: string[] | null = null): Record<string, Tensor> {
  const ck = loadCheckpoint(file);
  const out: Record<string, Tensor> = {};
  for (const [k, v] of ck.tensors) if (!k.endsWith('num_batches_tracked') && (!names || names.includes(k))) out[k] = { shape: v.shape, data: v.data! };
  return out;
}

t.test('replknet_31b at 64x64 matches the reference: logits and input gradients, .pth, .safetensors and the CLI', { skip }, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lkr-replknet-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const entry = findModel('replknet_31b');
  // 64x64: stage maps 16/8/4/2, all smaller than the kernels 31/29/27/13 (the padding covers the whole map).
  const x = rand([2, 64, 64, 3], mulberry(31), 0, 1);
  const labels = [7, 512];
  const want = await runOracleIn(dir, script, { mode: 'parity', config: entry.config, seed: 3, labels, pth: true }, { x });
  for (const file of ['w.pth', 'w.safetensors']) {
    const m = new Model('replknet_31b');
    m.loadWeights(path.join(dir, file));
    const { logits, grad } = await m.inputGradient(x, { labels });
    const el = relL2(logits.data, want.logits.data);
    const eg = relL2(grad.data, want.grad.data);
    t.ok(el <= 1e-4, `${file}: logits rel. L2 ${el.toExponential(2)} ≤ 1e-4`);
    t.ok(eg <= 1e-3, `${file}: input gradient rel. L2 ${eg.toExponential(2)} ≤ 1e-3`);
  }
  writeNpy(path.join(dir, 'x.npy'), x.shape, x.data);
  const args = [CLI, 'predict', '--model', 'replknet_31b', '--weights', path.join(dir, 'w.safetensors'), '--input', path.join(dir, 'x.npy'), '--json', '--out-logits', path.join(dir, 'y.npy'), '--input-grad', path.join(dir, 'g.npy'), '--labels', labels.join(',')];
  const { stdout } = await run('node', args, { maxBuffer: 16 << 20 });
  t.equal(JSON.parse(stdout).results.length, 2);
  t.ok(relL2(readNpy(path.join(dir, 'y.npy')).data, want.logits.data) <= 1e-4, 'predict --out-logits');
  t.ok(relL2(readNpy(path.join(dir, 'g.npy')).data, want.grad.data) <= 1e-3, 'predict --input-grad');
});

t.test('replknet_31b: residual units, lesion pairs and the fused key set', async (t) => {
  const m = new Model('replknet_31b');
  const names = m.blockNames();
  t.equal(names.length, 48, '24 RepLK/ConvFFN pairs = 48 residual units');
  // Lesion pair k (a RepLK block with its ConvFFN) = units 2k, 2k+1; pairs 4..21 are the 18 stage-3 pairs.
  t.same([names[8], names[9], names[43]], ['stages.2.blocks.0', 'stages.2.blocks.1', 'stages.2.blocks.35']);
  const before = m.paramSpecs();
  t.equal(m.reparameterize(), true, 'reparameterize() on an empty model switches the expected key set');
  const after = m.paramSpecs();
  t.equal(before.length - after.length, 24 * (2 * 5 - 2), 'lkb_origin + small_conv (10 tensors) -> lkb_reparam (2), 24 times');
  t.notOk(after.some((s) => s.name.includes('lkb_origin') || s.name.includes('small_conv')));
  t.same(after.find((s) => s.name === 'stages.2.blocks.34.large_kernel.lkb_reparam.weight')!.shape, [512, 1, 27, 27]);
  t.same(after.find((s) => s.name === 'stages.3.blocks.0.large_kernel.lkb_reparam.bias')!.shape, [1024]);
  const entry = findModel('replknet_31b');
  t.same(nativeModel({ ...entry.config, reparam: 1 }).paramSpecs(), after, 'config reparam: 1 expects the same fused set');
});

// Reduced configs (through the native Model directly) for the checks that need several runs: a 31B-like net
// with the 5x5 branch, and an XL-like one (dw_ratio 1.5, no small branch).
const SMALL = [
  { what: '31B-like (kernels 31/29/27/13 + 5x5)', config: { kernels: [31, 29, 27, 13], layers: [1, 1, 3, 1], channels: [32, 64, 96, 128], small_kernel: 5, dw_ratio: 1, ffn_ratio: 4, num_classes: 10 } },
  { what: 'XL-like (kernels 27/27/27/13, dw_ratio 1.5, no small branch)', config: { kernels: [27, 27, 27, 13], layers: [1, 1, 2, 1], channels: [16, 32, 48, 64], small_kernel: 0, dw_ratio: 1.5, ffn_ratio: 4, num_classes: 10 } },
];

for (const { what, config } of SMALL) {
  t.test(`${what}: parity, lesion, re-parameterisation and the reference's fused checkpoint`, { skip }, async (t) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lkr-replknet-small-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const x = rand([2, 64, 64, 3], mulberry(config.channels[0]), 0, 1);
    const labels = [1, 8];
    const skipUnits = [2, 3, 5]; // pair 1 (stage 2's RepLK block + ConvFFN) and one lone ConvFFN unit of stage 3
    const want = await runOracleIn(dir, script, { mode: 'parity', config, seed: 11, labels, skip_units: skipUnits, fused: true }, { x });
    const m = nativeModel(config);
    m.setParams(checkpointParams(path.join(dir, 'w.safetensors')));
    const { logits, grad } = await m.inputGradient(x, { labels });
    const el = relL2(logits.data, want.logits.data);
    const eg = relL2(grad.data, want.grad.data);
    t.ok(el <= 1e-4, `logits rel. L2 ${el.toExponential(2)} ≤ 1e-4`);
    t.ok(eg <= 1e-3, `input gradient rel. L2 ${eg.toExponential(2)} ≤ 1e-3`);

    const lesion = await m.forward(x, { skipBlocks: skipUnits });
    const ell = relL2(lesion.logits.data, want.logits_lesion.data);
    t.ok(ell <= 1e-4, `lesion (units ${skipUnits}): logits rel. L2 ${ell.toExponential(2)} ≤ 1e-4`);

    // Our re-parameterisation: the fused parameter set, the same function.
    const unfusedKernels = m.depthwiseKernels();
    t.equal(m.reparameterize(), true, 'reparameterize() changes the graph');
    t.equal(m.reparameterize(), false, 'a second reparameterize() is a no-op');
    const specs = m.paramSpecs().map((s) => s.name);
    t.notOk(specs.some((n) => n.includes('lkb_origin') || n.includes('small_conv')), 'no unfused branch keys left');
    t.same(Object.keys(m.getParams()).sort(), [...specs].sort(), 'getParams() is the fused set');
    const fusedLogits = (await m.inputGradient(x, { labels })).logits;
    const er = relL2(fusedLogits.data, logits.data);
    t.ok(er <= 1e-5, `unfused vs reparameterize(): logits rel. L2 ${er.toExponential(2)} ≤ 1e-5`);
    const ef = relL2(fusedLogits.data, want.logits_fused.data);
    t.ok(ef <= 1e-4, `reparameterize() vs the reference's fused model: rel. L2 ${ef.toExponential(2)} ≤ 1e-4`);

    const ks = m.depthwiseKernels();
    const nk = config.layers.reduce((a, b) => a + b, 0);
    t.equal(ks.length, nk);
    t.equal(ks[0].name, 'stages.0.blocks.0.large_kernel');
    t.equal(ks[nk - 1].name, 'stages.3.blocks.0.large_kernel');
    const dw0 = Math.round(config.dw_ratio * config.channels[0]);
    t.same(ks[0].weight.shape, [dw0, 1, config.kernels[0], config.kernels[0]]);
    t.ok(relL2(ks[0].weight.data, want.kernel_first.data) <= 1e-6, 'first applied kernel = the reference fused kernel');
    t.ok(relL2(ks[nk - 1].weight.data, want.kernel_last.data) <= 1e-6, 'last applied kernel = the reference fused kernel');
    t.ok(relL2(unfusedKernels[0].weight.data, ks[0].weight.data) <= 1e-7, 'depthwiseKernels() is the applied kernel before re-param too');

    // The reference's fused checkpoint: refused by an unfused graph, loaded with reparam: 1 or after
    // reparameterize() on an empty model.
    const fused = path.join(dir, 'w_fused.safetensors');
    t.throws(() => nativeModel(config).setParams(checkpointParams(fused)), /missing .*lkb_origin.*unexpected .*lkb_reparam/);
    for (const how of ['reparam: 1', 'reparameterize() first']) {
      const mf = how === 'reparam: 1' ? nativeModel({ ...config, reparam: 1 }) : nativeModel(config);
      if (how !== 'reparam: 1') t.equal(mf.reparameterize(), true);
      mf.setParams(checkpointParams(fused));
      const lf = (await mf.forward(x)).logits;
      const elf = relL2(lf.data, want.logits_fused.data);
      t.ok(elf <= 1e-4, `fused checkpoint (${how}): logits rel. L2 ${elf.toExponential(2)} ≤ 1e-4`);
    }
  });
}

t.test('31B, 31L, XL and the 3x3 ablation: key names and shapes match the reference state dict', { skip }, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lkr-replknet-keys-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const names = ['replknet_31b', 'replknet_31l', 'replknet_xl', 'replknet_31b_k3'];
  await runOracleIn(dir, script, { mode: 'keys', configs: Object.fromEntries(names.map((n) => [n, findModel(n).config])) });
  const ref = JSON.parse(readFileSync(path.join(dir, 'keys.json'), 'utf8')) as Record<string, [string, number[]][]>;
  t.equal(ref.replknet_31b.length, 1171, '31B state dict: 1171 keys including num_batches_tracked');
  for (const n of names) {
    const want = ref[n].filter(([k]) => !k.endsWith('num_batches_tracked'));
    const got = new Model(n).paramSpecs().map((s) => [s.name, s.shape]);
    t.same(got, want, `${n}: ${got.length} parameters, same names, shapes and order`);
  }
  const xl = new Model('replknet_xl').paramSpecs();
  t.same(xl.find((s) => s.name === 'stages.0.blocks.0.pw1.conv.weight')!.shape, [384, 256, 1, 1], 'XL: depthwise width 1.5 x channels');
  t.notOk(xl.some((s) => s.name.includes('small_conv')), 'XL: no small branch');
});

t.test('replknet_31b_k3 builds and runs; records name every stem layer, unit and transition', async (t) => {
  const { randomParams } = await import('../../src/bench/model.js');
  const m = new Model('replknet_31b_k3');
  t.notOk(m.paramSpecs().some((s) => s.name.includes('small_conv')));
  m.setParams(randomParams(m, 5));
  const x = rand([1, 64, 64, 3], mulberry(9), 0, 1);
  const r = await m.forward(x, { recordBlocks: true });
  t.same(r.logits.shape, [1, 1000]);
  t.ok(r.logits.data.every(Number.isFinite), 'finite logits');
  const rec = r.records!.map((q) => q.name);
  t.same(rec.slice(0, 6), ['stem.0', 'stem.1', 'stem.2', 'stem.3', 'stages.0.blocks.0', 'stages.0.blocks.1']);
  t.equal(rec.length, 4 + 48 + 3);
  t.same(rec.filter((n) => n.startsWith('transitions')), ['transitions.0', 'transitions.1', 'transitions.2']);
  t.same(r.records!.find((q) => q.name === 'stages.3.blocks.3')!.shape, [1, 2, 2, 1024]);
  const feats = await m.forward(x, { featuresOnly: true });
  t.same(feats.logits.shape, [1, 2, 2, 1024]);
  const g = await m.inputGradient(x, { labels: [1] });
  t.same(g.grad.shape, [1, 64, 64, 3]);
  t.ok(g.grad.data.every(Number.isFinite), 'finite input gradient');
  const k = m.depthwiseKernels();
  t.equal(k.length, 24);
  t.same(k[0].weight.shape, [128, 1, 3, 3]);
  await t.rejects(m.forward(x, { skipBlocks: [48] }), /out of range: the model has 48 residual blocks/);
});
