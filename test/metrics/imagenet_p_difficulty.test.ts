// ImageNet-P at --difficulty 2|3 as hendrycks' test.py: the noise perturbations are read from `<noise>_d`
// (still compared with their frame 0), the temporal ones pair frames at stride d from the plain folders.
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import sharp from 'sharp';
import t from 'tap';

import { randomParams } from '../../src/bench/model.js';
import { evalMain } from '../../src/cli/commands/eval.js';
import { imagenetP } from '../../src/data/layouts.js';
import { loadImages } from '../../src/data/preprocess.js';
import { topk } from '../../src/metrics/classification.js';
import { videoScore } from '../../src/metrics/imagenet_p.js';
import { writeSafetensors } from '../../src/models/checkpoint/index.js';
import { Model } from '../../src/models/model.js';
import { selectDifficulty } from '../../src/robustness/benchmark_p.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'lkr-pdiff-'));
t.teardown(() => rmSync(root, { recursive: true, force: true }));
const S = 224;
const W = 'n01440764';

async function sequence(dir: string, seed: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (let k = 0; k < 31; k++) {
    const b = Buffer.alloc(S * S * 3);
    for (let i = 0; i < b.length; i++) b[i] = (Math.sin(i * 0.013 * (seed + 1) + k * (seed + 0.7)) * 0.5 + 0.5) * 255;
    await sharp(b, { raw: { width: S, height: S, channels: 3 } }).png().toFile(path.join(dir, `${k}.png`));
  }
}

t.test('selectDifficulty: which folders test.py reads at each difficulty', async (t) => {
  const tree = path.join(root, 'sel');
  for (const p of ['gaussian_noise', 'gaussian_noise_2', 'gaussian_noise_3', 'shot_noise', 'rotate']) await sequence(path.join(tree, p, W, 'v1'), 1);
  const ds = imagenetP(tree);
  const one = selectDifficulty(ds, ds.items, 1);
  t.same(one.videos.map((v) => v.perturbation).sort(), ['gaussian_noise', 'rotate', 'shot_noise']);
  t.same(one.ignoredFolders.sort(), ['gaussian_noise_2', 'gaussian_noise_3']);
  t.same(one.missingNoiseFolders, []);
  const two = selectDifficulty(ds, ds.items, 2);
  t.same(two.videos.map((v) => v.perturbation).sort(), ['gaussian_noise_2', 'rotate']);
  t.same(two.noiseFolders, { gaussian_noise: 'gaussian_noise_2' });
  t.same(two.missingNoiseFolders, ['shot_noise'], 'shot_noise has no _2 folder: not scored, and said so');
  t.throws(() => selectDifficulty(ds, ds.items, 4), /expected 1, 2 or 3/);
});

t.test('eval --difficulty 2 scores gaussian_noise from gaussian_noise_2 and rotate at stride 2', async (t) => {
  const tree = path.join(root, 'eval');
  await sequence(path.join(tree, 'gaussian_noise', W, 'v1'), 1);
  await sequence(path.join(tree, 'gaussian_noise_2', W, 'v1'), 2);
  await sequence(path.join(tree, 'rotate', W, 'v1'), 3);
  const weights = path.join(root, 'demo.safetensors');
  const m = new Model('lkr_demo_convnext');
  writeSafetensors(weights, new Map(Object.entries(randomParams(m, 5))));
  m.loadWeights(weights);
  const args = (data: string, difficulty: number, out: string) => ({
    model: 'lkr_demo_convnext', weights, benchmark: 'imagenet-p' as const, data, batch: 31, json: true, difficulty, out: path.join(root, 'runs', out),
  });
  const r2 = (await evalMain(args(tree, 2, 'd2'), () => {})).results;
  const r1 = (await evalMain(args(tree, 1, 'd1'), () => {})).results;
  t.same(r2.data.noise_folders, { gaussian_noise: 'gaussian_noise_2' });
  t.same(r2.data.ignored_folders, ['gaussian_noise']);

  // The reference computation: each frame's top-5 from the model, scored with test.py's pairing.
  const scoreOf = async (dir: string, noise: boolean, difficulty: number) => {
    const files = Array.from({ length: 31 }, (_, k) => path.join(dir, `${k}.png`));
    const x = await loadImages(files, m.entry.preprocess, { keepIfInputSize: true }); // as eval reads 224×224 frames
    const top5 = topk((await m.forward(x)).logits, 5);
    return videoScore({ frames: 31, top5 }, { noise, difficulty });
  };
  const noise2 = await scoreOf(path.join(tree, 'gaussian_noise_2', W, 'v1'), true, 2);
  const noise1 = await scoreOf(path.join(tree, 'gaussian_noise', W, 'v1'), true, 1);
  const rot2 = await scoreOf(path.join(tree, 'rotate', W, 'v1'), false, 2);
  const rot1 = await scoreOf(path.join(tree, 'rotate', W, 'v1'), false, 1);
  const row = (r: { rows: { perturbation: string }[] }, p: string) => r.rows.find((x) => x.perturbation === p) as unknown as { fp: number; ut5d: number; folder?: string };
  t.same([row(r2, 'gaussian_noise').fp, row(r2, 'gaussian_noise').ut5d], [noise2.flip, noise2.t5d], 'difficulty 2 noise = the _2 folder vs its frame 0');
  t.equal(row(r2, 'gaussian_noise').folder, 'gaussian_noise_2');
  t.same([row(r1, 'gaussian_noise').fp, row(r1, 'gaussian_noise').ut5d], [noise1.flip, noise1.t5d], 'difficulty 1 noise = the plain folder');
  t.same([row(r2, 'rotate').fp, row(r2, 'rotate').ut5d], [rot2.flip, rot2.t5d], 'rotate at stride 2');
  t.same([row(r1, 'rotate').fp, row(r1, 'rotate').ut5d], [rot1.flip, rot1.t5d]);
  t.equal(rot2.pairs, 29, 'stride 2 over 31 frames: 15 + 14 pairs');
  t.not(noise1.t5d, noise2.t5d, 'the two noise folders hold different sequences (the test can tell them apart)');

  // The _2 folder alone, renamed to the plain name, scores the same at difficulty 1.
  const renamed = path.join(root, 'renamed');
  cpSync(path.join(tree, 'gaussian_noise_2'), path.join(renamed, 'gaussian_noise'), { recursive: true });
  const rr = (await evalMain(args(renamed, 1, 'renamed'), () => {})).results;
  t.same(rr.rows[0].fp, row(r2, 'gaussian_noise').fp);
});
