// AlexNet graph against torchvision (test/oracle/alexnet_model.py, float64 reference): logits and input gradients
// from .pth and .safetensors (torchvision's key names) and through the CLI's predict, at 64x64 (the 1x1 last map
// is spread to 6x6 by the adaptive pool) and at 160x288 (a 4x8 map: uneven adaptive bins), and the parameter
// specs against torchvision's state dict.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import t from 'tap';

import { readNpy, writeNpy } from '../../src/data/npy.js';
import { Model } from '../../src/models/model.js';
import { findModel } from '../../src/models/registry.js';
import { CLI } from '../eval/fixtures.js';
import { ORACLE_SKIP, oraclePython, runOracleIn } from '../helpers/oracle.js';
import { mulberry, rand, relL2 } from '../helpers/tensor.js';

const run = promisify(execFile);
const script = new URL('../oracle/alexnet_model.py', import.meta.url).pathname;
const skip = oraclePython() ? false : ORACLE_SKIP;

function tmp(t: { teardown(fn: () => void): void }, tag: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `lkr-alexnet-${tag}-`));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

for (const { n, h, w, viaCli } of [
  { n: 2, h: 64, w: 64, viaCli: true },
  { n: 1, h: 160, w: 288, viaCli: false },
]) {
  t.test(`alexnet, ${n}x${h}x${w}: logits and input gradient equal torchvision`, { skip }, async (t) => {
    const dir = tmp(t, `${h}x${w}`);
    const x = rand([n, h, w, 3], mulberry(h * w), 0, 1);
    const labels = [3, 917].slice(0, n);
    const want = await runOracleIn(dir, script, { labels }, { x });
    // 1e-3, or twice PyTorch's own float32-vs-float64 gradient difference on this input when that is larger.
    const torch32 = relL2(want.grad32.data, want.grad.data);
    const gradTol = Math.max(1e-3, 2 * torch32);
    t.comment(`PyTorch float32 vs float64 input gradient on this input: ${torch32.toExponential(2)}`);
    for (const file of ['w.pth', 'w.safetensors']) {
      const m = new Model('alexnet');
      const info = m.loadWeights(path.join(dir, file));
      t.same(info.ignored, [], `${file}: no key left unused`);
      const { logits, grad } = await m.inputGradient(x, { labels });
      t.same(logits.shape, [n, 1000]);
      const el = relL2(logits.data, want.logits.data);
      const eg = relL2(grad.data, want.grad.data);
      t.ok(el <= 1e-4, `${file}: logits rel. L2 ${el.toExponential(2)} ≤ 1e-4`);
      t.ok(eg <= gradTol, `${file}: input gradient rel. L2 ${eg.toExponential(2)} ≤ ${gradTol.toExponential(2)}`);
    }
    if (!viaCli) return;
    writeNpy(path.join(dir, 'x.npy'), x.shape, x.data);
    const args = [CLI, 'predict', '--model', 'alexnet', '--weights', path.join(dir, 'w.safetensors'), '--input', path.join(dir, 'x.npy'), '--json', '--out-logits', path.join(dir, 'y.npy'), '--input-grad', path.join(dir, 'g.npy'), '--labels', labels.join(',')];
    const { stdout } = await run('node', args, { maxBuffer: 16 << 20 });
    t.equal(JSON.parse(stdout).results.length, n, 'predict: one result per image');
    const ey = relL2(readNpy(path.join(dir, 'y.npy')).data, want.logits.data);
    const eg = relL2(readNpy(path.join(dir, 'g.npy')).data, want.grad.data);
    t.ok(ey <= 1e-4, `predict --out-logits rel. L2 ${ey.toExponential(2)}`);
    t.ok(eg <= gradTol, `predict --input-grad rel. L2 ${eg.toExponential(2)}`);
  });
}

t.test('alexnet parameter specs equal torchvision state_dict keys and shapes; registry marks torchvision', { skip }, async (t) => {
  const dir = tmp(t, 'specs');
  await runOracleIn(dir, script, { specs: true });
  const want: [string, number[]][] = JSON.parse(readFileSync(path.join(dir, 'specs.json'), 'utf8'));
  const m = new Model('alexnet');
  const mine = m.paramSpecs().map((s) => [s.name, s.shape] as [string, number[]]);
  t.equal(mine.length, 16);
  t.same(new Map(mine), new Map(want), 'same keys and shapes as torchvision');
  t.same(m.blockNames(), [], 'no residual blocks to lesion');
  const e = findModel('alexnet');
  t.equal(e.source, 'torchvision');
  t.match(e.weights, /alexnet-owt-4df8aa71\.pth/);
  t.same([e.preprocess.inputSize, e.preprocess.cropPct, e.preprocess.interpolation, e.preprocess.mean], [224, 0.875, 'bilinear', [0.485, 0.456, 0.406]]);
});

t.test('alexnet refuses inputs too small for its max-pools, by name', async (t) => {
  const { randomParams } = await import('../../src/bench/model.js');
  const m = new Model('alexnet');
  m.setParams(randomParams(m, 1));
  const { logits, records } = await m.forward(rand([1, 63, 63, 3], mulberry(1), 0, 1), { recordBlocks: true });
  t.same(logits.shape, [1, 1000], '63x63 is the smallest input');
  t.same(records!.map((r) => r.name), ['features.0', 'features.3', 'features.6', 'features.8', 'features.10']);
  await t.rejects(m.forward(rand([1, 62, 62, 3], mulberry(1), 0, 1)), /alexnet: input too small.*at least 63x63/);
});
