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
const script = new URL('../oracle/convnext_parity.py', import.meta.url).pathname;

for (const [kernel, size] of [[7, 64], [13, 96]] as const) {
  t.test(`convnext_tiny (kernel ${kernel}) matches timm: logits and input gradients, .pth and .safetensors`, { skip: oraclePython() ? false : ORACLE_SKIP }, async (t) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lkr-convnext-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const x = rand([2, size, size, 3], mulberry(kernel), 0, 1);
    const labels = [3, 917];
    const want = await runOracleIn(dir, script, { name: 'convnext_tiny', kwargs: kernel === 7 ? {} : { kernel_sizes: kernel }, labels }, { x });
    for (const file of ['w.pth', 'w.safetensors']) {
      const m = new Model('convnext_tiny', { options: { kernelSize: kernel } });
      m.loadWeights(path.join(dir, file));
      const { logits, grad } = await m.inputGradient(x, { labels });
      const el = relL2(logits.data, want.logits.data);
      const eg = relL2(grad.data, want.grad.data);
      t.ok(el <= 1e-4, `${file}: logits rel. L2 ${el.toExponential(2)} ≤ 1e-4`);
      t.ok(eg <= 1e-3, `${file}: input gradient rel. L2 ${eg.toExponential(2)} ≤ 1e-3`);
    }
    // The same through the CLI: predict on a .npy input.
    writeNpy(path.join(dir, 'x.npy'), x.shape, x.data);
    const args = [CLI, 'predict', '--model', 'convnext_tiny', '--kernel-size', String(kernel), '--weights', path.join(dir, 'w.safetensors'), '--input', path.join(dir, 'x.npy'), '--json', '--out-logits', path.join(dir, 'y.npy'), '--input-grad', path.join(dir, 'g.npy'), '--labels', labels.join(',')];
    const { stdout } = await run('node', args, { maxBuffer: 16 << 20 });
    t.equal(JSON.parse(stdout).results.length, 2);
    t.ok(relL2(readNpy(path.join(dir, 'y.npy')).data, want.logits.data) <= 1e-4, 'predict --out-logits');
    t.ok(relL2(readNpy(path.join(dir, 'g.npy')).data, want.grad.data) <= 1e-3, 'predict --input-grad');
  });
}

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
