// `lkrobust ablate kernel-size` end to end on a tiny Fashion-MNIST slice (issue 16): two kernel sizes, one epoch,
// a tiny ConvNeXt, a few corruptions. Checks the table (one row per size, finite values, accuracies in [0, 1],
// the baseline's mCE 1, kernel distance growing with the kernel), that the trainer's own val accuracy equals the
// clean cell, that a rerun computes nothing new, and that a kernel too large for the first stage is refused.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import t from 'tap';

import { FASHION_MNIST_DIR } from '../../src/train/fashion_mnist.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');
const env = { ...process.env, LKR_NUM_THREADS: '2', OMP_NUM_THREADS: '2' };
const have = existsSync(path.join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'));

const ablate = (data: string, out: string, sizes = '3,5', ...extra: string[]) =>
  spawnSync(process.execPath, [
    cli, 'ablate', 'kernel-size', '--family', 'convnext', '--sizes', sizes, '--size', '32', '--epochs', '1', '--batch', '16',
    '--config', JSON.stringify({ depths: [1, 1, 1, 1], dims: [8, 16, 16, 24] }), '--corruptions', 'gaussian_noise,fog',
    '--severities', '2,4', '--occlusion-ratios', '0.5', '--pgd-eps', '2/255', '--pgd-steps', '2', '--bands', '0,0.5',
    '--data', data, '--out', out, ...extra,
  ], { env, encoding: 'utf8' });

t.test('ablate kernel-size: a table per size, resumable', { skip: have ? false : 'dataset-fashion-mnist not installed (bash scripts/install-test-deps.sh)' }, async (t) => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'lkr-ablate-'));
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
  const data = path.join(tmp, 'fm');
  const made = spawnSync(process.execPath, [cli, 'data', 'fashion-mnist', '--out', data, '--size', '32', '--limit-per-class', '8'], { env, encoding: 'utf8' });
  t.equal(made.status, 0, made.stderr);
  const out = path.join(tmp, 'run');
  const first = ablate(data, out);
  t.equal(first.status, 0, first.stderr);
  t.match(first.stderr, /2 model\(s\) trained, 18 cell\(s\) measured/);

  const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as { rows: Record<string, number | null>[] };
  t.same(results.rows.map((r) => r.kernel_size), [3, 5], 'one row per kernel size, ascending');
  const accuracyKeys = ['clean_acc', 'train_val_acc', 'corruption_acc', 'occlusion_random@0.5', `pgd@${2 / 255}`, 'band_noise_acc', 'band@0', 'band@0.5'];
  for (const r of results.rows) {
    for (const k of [...accuracyKeys, 'mce_vs_smallest', 'kernel_distance']) t.ok(Number.isFinite(r[k]), `k${r.kernel_size} ${k} = ${r[k]} is finite`);
    for (const k of accuracyKeys) t.ok(r[k]! >= 0 && r[k]! <= 1, `k${r.kernel_size} ${k} in [0, 1]`);
    t.equal(r.clean_acc, r.train_val_acc, `k${r.kernel_size}: the clean cell equals the trainer's val accuracy`);
  }
  t.equal(results.rows[0]!.mce_vs_smallest, 1, 'the smallest kernel is the mCE baseline');
  // A uniform 3×3 kernel has mean tap distance ~0.9 px, a 5×5 one ~1.6 px: trained kernels stay near that.
  t.ok(results.rows[1]!.kernel_distance! > results.rows[0]!.kernel_distance!, 'kernel distance grows with the kernel');
  const csv = readFileSync(path.join(out, 'results.csv'), 'utf8').trim().split('\n');
  t.equal(csv.length, 3, 'results.csv: a header and one line per size');
  t.match(readFileSync(path.join(out, 'report.html'), 'utf8'), /kernel-size-ablation/);

  const weights = path.join(out, 'models', 'k5', 'model.safetensors');
  const before = statSync(weights).mtimeMs;
  const table = readFileSync(path.join(out, 'results.json'), 'utf8');
  const again = ablate(data, out);
  t.equal(again.status, 0, again.stderr);
  t.match(again.stderr, /0 model\(s\) trained, 0 cell\(s\) measured/, 'a rerun trains and measures nothing');
  t.equal(statSync(weights).mtimeMs, before, 'the trained weights are not rewritten');
  t.equal(readFileSync(path.join(out, 'results.json'), 'utf8'), table, 'the same table');

  const other = ablate(data, out, '3,5', '--seed', '1');
  t.not(other.status, 0, 'other settings into the same folder are refused');
  t.match(other.stderr, /LKR_ABLATE_MISMATCH|other settings/);
  const tooLarge = ablate(data, path.join(tmp, 'big'), '3,9');
  t.not(tooLarge.status, 0, 'a kernel of 9 at 32 px (first stage 8×8) is refused');
  t.match(tooLarge.stderr, /smaller than the first stage's feature map, which is 8×8/);
});
