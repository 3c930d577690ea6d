import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import t from 'tap';

import { readNpy, writeNpy } from '../../src/data/npy.js';
import { Model } from '../../src/models/model.js';
import { CLI } from '../eval/fixtures.js';
import { ORACLE_SKIP, oraclePython, runOracleIn } from '../helpers/oracle.js';
import { mulberry, rand, relL2 } from '../helpers/tensor.js';

const run = promisify(execFile);
const script = new URL('../oracle/timm_parity.py', import.meta.url).pathname;

const CASES = [
  { name: 'convnext_tiny', kernel: 7, size: 64 },
  { name: 'convnext_tiny', kernel: 13, size: 96 },
  { name: 'resnet50', kernel: 0, size: 64 },
];

for (const { name, kernel, size } of CASES) {
  t.test(`${name}${kernel ? ` (kernel ${kernel})` : ''} matches timm: logits and input gradients, .pth and .safetensors`, { skip: oraclePython() ? false : ORACLE_SKIP }, async (t) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lkr-convnext-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const x = rand([2, size, size, 3], mulberry(kernel + size), 0, 1);
    const labels = [3, 917];
    const want = await runOracleIn(dir, script, { name, kwargs: kernel && kernel !== 7 ? { kernel_sizes: kernel } : {}, labels }, { x });
    // 1e-3, or twice PyTorch's own float32-vs-float64 gradient difference on this input when that is larger.
    const torch32 = relL2(want.grad32.data, want.grad.data);
    const gradTol = Math.max(1e-3, 2 * torch32);
    t.comment(`PyTorch float32 vs float64 input gradient on this input: ${torch32.toExponential(2)}`);
    for (const file of ['w.pth', 'w.safetensors']) {
      const m = new Model(name, kernel ? { options: { kernelSize: kernel } } : {});
      m.loadWeights(path.join(dir, file));
      const { logits, grad } = await m.inputGradient(x, { labels });
      const el = relL2(logits.data, want.logits.data);
      const eg = relL2(grad.data, want.grad.data);
      t.ok(el <= 1e-4, `${file}: logits rel. L2 ${el.toExponential(2)} ≤ 1e-4`);
      t.ok(eg <= gradTol, `${file}: input gradient rel. L2 ${eg.toExponential(2)} ≤ ${gradTol.toExponential(2)}`);
    }
    // The same through the CLI: predict on a .npy input, from either checkpoint format.
    writeNpy(path.join(dir, 'x.npy'), x.shape, x.data);
    for (const file of ['w.pth', 'w.safetensors']) {
      const args = [CLI, 'predict', '--model', name, ...(kernel ? ['--kernel-size', String(kernel)] : []), '--weights', path.join(dir, file), '--input', path.join(dir, 'x.npy'), '--json', '--out-logits', path.join(dir, 'y.npy'), '--input-grad', path.join(dir, 'g.npy'), '--labels', labels.join(',')];
      const { stdout } = await run('node', args, { maxBuffer: 16 << 20 });
      t.equal(JSON.parse(stdout).results.length, 2);
      t.ok(relL2(readNpy(path.join(dir, 'y.npy')).data, want.logits.data) <= 1e-4, `predict --weights ${file} --out-logits`);
      t.ok(relL2(readNpy(path.join(dir, 'g.npy')).data, want.grad.data) <= gradTol, `predict --weights ${file} --input-grad`);
    }
  });
}

t.test('resnet50 lesion matches the timm model with those bottleneck branches removed', { skip: oraclePython() ? false : ORACLE_SKIP }, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lkr-lesion-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const x = rand([1, 64, 64, 3], mulberry(77), 0, 1);
  const skip = [1, 5, 14];
  const want = await runOracleIn(dir, script, { name: 'resnet50', labels: [0], skip_blocks: skip }, { x });
  const m = new Model('resnet50');
  m.loadWeights(path.join(dir, 'w.safetensors'));
  const { logits } = await m.forward(x, { skipBlocks: skip });
  t.ok(relL2(logits.data, want.logits.data) <= 1e-4, `logits rel. L2 ${relL2(logits.data, want.logits.data).toExponential(2)}`);
  t.equal(m.blockNames().length, 16);
});

t.test('lesion: skipped blocks leave the shortcut', async (t) => {
  const m = new Model('lkr_demo_convnext');
  const { randomParams } = await import('../../src/bench/model.js');
  m.setParams(randomParams(m, 1));
  const x = rand([1, 64, 64, 3], mulberry(2), 0, 1);
  const all = await m.forward(x, { recordBlocks: true });
  t.same(all.records!.map((r) => r.name), ['stem', 'stages.0.blocks.0', 'stages.1.downsample', 'stages.1.blocks.0', 'stages.2.downsample', 'stages.2.blocks.0', 'stages.3.downsample', 'stages.3.blocks.0']);
  const skipped = await m.forward(x, { skipBlocks: [1], recordBlocks: true });
  const rec = (r: typeof all, name: string) => r.records!.find((q) => q.name === name)!;
  t.equal(rec(skipped, 'stages.1.blocks.0').mean, rec(skipped, 'stages.1.downsample').mean, 'a skipped block outputs its input');
  t.not(relL2(skipped.logits.data, all.logits.data), 0);
  await t.rejects(m.forward(x, { skipBlocks: [9] }), /out of range: the model has 4 residual blocks/);
});
