// ConvNeXt graph against timm (test/oracle/convnext_model.py, float64 reference): logits and input gradients
// for depthwise kernels 7, 3 and 13 from .pth and .safetensors, the official checkpoint layout, the CLI's
// predict, lesion against timm with blocks removed, recorded block names, even kernels refused (as timm
// fails on them), and the parameter specs of a larger variant against timm's state dict.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import t from 'tap';

import { readNpy, writeNpy } from '../../src/data/npy.js';
import { Model } from '../../src/models/model.js';
import { addon } from '../../src/native.js';
import { CLI } from '../eval/fixtures.js';
import { ORACLE_SKIP, oraclePython, runOracleIn } from '../helpers/oracle.js';
import { mulberry, rand, relL2 } from '../helpers/tensor.js';

const run = promisify(execFile);
const script = new URL('../oracle/convnext_model.py', import.meta.url).pathname;
const skip = oraclePython() ? false : ORACLE_SKIP;

function tmp(t: { teardown(fn: () => void): void }, tag: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `lkr-convnext-${tag}-`));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const opts = (kernel: number) => (kernel === 7 ? {} : { options: { kernelSize: kernel } });

// PyTorch's float64 depthwise convs are slow on CPU (about 15 s for N=2 at 64x64 on 2 cores), so only the
// default kernel runs a batch of two; ConvNeXt is smooth (GELU, no ReLU or max-pool), so 1e-3 on the gradient.
for (const { kernel, n } of [
  { kernel: 7, n: 2 },
  { kernel: 3, n: 1 },
  { kernel: 13, n: 1 },
]) {
  t.test(`convnext_tiny, kernel ${kernel}, ${n}x64x64: logits and input gradient equal timm`, { skip }, async (t) => {
    const dir = tmp(t, `k${kernel}`);
    const x = rand([n, 64, 64, 3], mulberry(100 + kernel), 0, 1);
    const labels = [5, 731].slice(0, n);
    const want = await runOracleIn(dir, script, { name: 'convnext_tiny', kwargs: kernel === 7 ? {} : { kernel_sizes: kernel }, labels, grad32: kernel === 7 }, { x });
    if (want.grad32) t.comment(`PyTorch float32 vs float64 input gradient: ${relL2(want.grad32.data, want.grad.data).toExponential(2)}`);
    const gradTol = 1e-3;
    const files = ['w.pth', 'w.safetensors', ...(kernel === 7 ? ['official.pth'] : [])];
    for (const file of files) {
      const m = new Model('convnext_tiny', opts(kernel));
      const spec = m.paramSpecs().find((s) => s.name === 'stages.2.blocks.4.conv_dw.weight')!;
      t.same(spec.shape, [384, 1, kernel, kernel], `depthwise weight (384, 1, ${kernel}, ${kernel})`);
      const info = m.loadWeights(path.join(dir, file));
      t.same(info.ignored, [], `${file}: no key left unused`);
      const { logits, grad } = await m.inputGradient(x, { labels });
      t.same(logits.shape, [n, 1000]);
      t.same(grad.shape, x.shape);
      const el = relL2(logits.data, want.logits.data);
      const eg = relL2(grad.data, want.grad.data);
      t.ok(el <= 1e-4, `${file}: logits rel. L2 ${el.toExponential(2)} ≤ 1e-4`);
      t.ok(eg <= gradTol, `${file}: input gradient rel. L2 ${eg.toExponential(2)} ≤ ${gradTol.toExponential(2)}`);
    }
    if (kernel === 7) {
      // The official layout really is the official one (keys of facebookresearch/ConvNeXt's convnext.py).
      const keys: string[] = JSON.parse(readFileSync(path.join(dir, 'official_keys.json'), 'utf8'));
      for (const k of ['downsample_layers.0.0.weight', 'downsample_layers.0.1.bias', 'downsample_layers.3.1.weight', 'stages.2.8.dwconv.weight', 'stages.0.0.pwconv1.weight', 'stages.3.2.gamma', 'norm.weight', 'head.weight']) {
        t.ok(keys.includes(k), `official layout has ${k}`);
      }
      t.notOk(keys.some((k) => k.includes('blocks') || k.startsWith('stem')), 'and no timm-only names');
    }
    if (kernel === 13) {
      // Once through the CLI: predict on a .npy input with --kernel-size.
      writeNpy(path.join(dir, 'x.npy'), x.shape, x.data);
      const args = [CLI, 'predict', '--model', 'convnext_tiny', '--kernel-size', String(kernel), '--weights', path.join(dir, 'w.safetensors'), '--input', path.join(dir, 'x.npy'), '--json', '--out-logits', path.join(dir, 'y.npy'), '--input-grad', path.join(dir, 'g.npy'), '--labels', labels.join(',')];
      const { stdout } = await run('node', args, { maxBuffer: 16 << 20 });
      t.equal(JSON.parse(stdout).results.length, n, 'predict: one result per image');
      const ey = relL2(readNpy(path.join(dir, 'y.npy')).data, want.logits.data);
      const eg = relL2(readNpy(path.join(dir, 'g.npy')).data, want.grad.data);
      t.ok(ey <= 1e-4, `predict --out-logits rel. L2 ${ey.toExponential(2)}`);
      t.ok(eg <= gradTol, `predict --input-grad rel. L2 ${eg.toExponential(2)}`);
    }
  });
}

t.test('convnext_tiny lesion equals timm with those blocks made identity; records name every stage', { skip }, async (t) => {
  const dir = tmp(t, 'lesion');
  const x = rand([1, 64, 64, 3], mulberry(7), 0, 1);
  const skipBlocks = [0, 4, 10, 17];
  const want = await runOracleIn(dir, script, { name: 'convnext_tiny', labels: [1], skip_blocks: skipBlocks, grad32: false }, { x });
  const m = new Model('convnext_tiny');
  m.loadWeights(path.join(dir, 'w.safetensors'));
  const names = m.blockNames();
  t.equal(names.length, 18, '3 + 3 + 9 + 3 residual blocks');
  t.same([names[0], names[3], names[6], names[14], names[17]], ['stages.0.blocks.0', 'stages.1.blocks.0', 'stages.2.blocks.0', 'stages.2.blocks.8', 'stages.3.blocks.2']);
  const { logits, records } = await m.forward(x, { skipBlocks, recordBlocks: true });
  const e = relL2(logits.data, want.logits.data);
  t.ok(e <= 1e-4, `lesion logits rel. L2 ${e.toExponential(2)} ≤ 1e-4`);
  const { grad } = await m.inputGradient(x, { labels: [1] }, { skipBlocks });
  const eg = relL2(grad.data, want.grad.data);
  t.ok(eg <= 1e-3, `lesion input gradient rel. L2 ${eg.toExponential(2)} ≤ 1e-3`);
  const recNames = records!.map((r) => r.name);
  const expected = ['stem', ...names.slice(0, 3), 'stages.1.downsample', ...names.slice(3, 6), 'stages.2.downsample', ...names.slice(6, 15), 'stages.3.downsample', ...names.slice(15)];
  t.same(recNames, expected, 'stem, then every block with the downsamples in between');
  const shapeOf = (n: string) => records!.find((r) => r.name === n)!.shape;
  t.same(shapeOf('stem'), [1, 16, 16, 96]);
  t.same(shapeOf('stages.3.blocks.2'), [1, 2, 2, 768]);
  const clean = await m.forward(x);
  t.ok(relL2(clean.logits.data, want.logits.data) > 1e-3, 'the lesion changes the logits');
});

t.test('parameter specs equal timm state_dict keys and shapes (base, tiny); even kernels refused as timm fails on them', { skip }, async (t) => {
  const dir = tmp(t, 'specs');
  await runOracleIn(dir, script, { name: 'convnext_tiny', specs: ['convnext_base', 'convnext_tiny'], kwargs: { kernel_sizes: 31 }, even_kernel: 4 });
  const want: Record<string, [string, number[]][]> = JSON.parse(readFileSync(path.join(dir, 'specs.json'), 'utf8'));
  for (const [name, count] of [['convnext_base', 344], ['convnext_tiny', 182]] as const) {
    const m = new Model(name, { options: { kernelSize: 31 } });
    const mine = m.paramSpecs().map((s) => [s.name, s.shape] as [string, number[]]);
    t.equal(mine.length, count, `${name}: ${count} parameters`);
    t.same(new Map(mine), new Map(want[name]), `${name} (kernel 31): same keys and shapes as timm`);
  }
  const timm = JSON.parse(readFileSync(path.join(dir, 'even.json'), 'utf8'));
  t.equal(timm.ok, false, `timm convnext_tiny(kernel_sizes=4) fails: ${timm.error}`);
  t.throws(() => new Model('convnext_tiny', { options: { kernelSize: 4 } }), /kernel size 4 is even.*odd kernel size/);
});

t.test('convnext construction: kernel option and per-stage kernels', async (t) => {
  const m = new Model('convnext_small', { options: { kernelSize: 51 } });
  t.same(m.paramSpecs().find((s) => s.name === 'stages.3.blocks.2.conv_dw.weight')!.shape, [768, 1, 51, 51]);
  t.equal(m.blockNames().length, 36);
  t.throws(() => new Model('convnext_tiny', { options: { kernelSize: 0 } }), /out of range/);
  // Per-stage kernels through the native config key `kernel_sizes` (timm's kernel_sizes=[...]).
  const Native = addon().Model as new (family: string, config: object) => { paramSpecs(): { name: string; shape: number[] }[] };
  const specs = new Native('convnext', { depths: [1, 1, 1, 1], dims: [8, 16, 32, 64], kernel_sizes: [3, 5, 7, 9], num_classes: 10 }).paramSpecs();
  t.same([0, 1, 2, 3].map((s) => specs.find((p) => p.name === `stages.${s}.blocks.0.conv_dw.weight`)!.shape[3]), [3, 5, 7, 9]);
  t.same(specs.find((p) => p.name === 'head.fc.weight')!.shape, [10, 64]);
  t.throws(() => new Native('convnext', { kernel_sizes: [3, 5, 7] }), /4 stages/);
});
