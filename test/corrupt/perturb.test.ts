// ImageNet-P sequences: frame counts (31, translate 41), the layout the imagenetP reader takes, byte-identical
// reruns, resume by whole sequences, and what the frames hold (the clean crop where a sequence passes through it).
import { spawn, execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import path from 'node:path';

import sharp from 'sharp';
import t from 'tap';

import { corruptMain, type CorruptArgs } from '../../src/cli/commands/corrupt.js';
import { imagenetP } from '../../src/data/layouts.js';
import { parsePerturbations, PERTURBATIONS } from '../../src/corrupt/perturb.js';
import { CLI, hashTree, makeSourceFolder } from './fixtures.js';

const SIZE = 64;
const src = await makeSourceFolder(3, SIZE);
const out = src + '-p';
t.teardown(() => {
  rmSync(src, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
});
const quiet = () => {};
const args = (dir: string): CorruptArgs => ({
  data: src, out: dir, corruptions: 'all', severities: '1..5', seed: 9, size: SIZE, format: 'jpeg', batch: 4, json: true,
  perturbations: 'all,gaussian_noise_2,shot_noise_3',
});
const a = path.join(out, 'a');

const pixels = async (file: string) => (await sharp(file).raw().toBuffer({ resolveWithObject: true })).data;

t.test('every sequence has its frames, in the layout the imagenet-p reader takes', async (t) => {
  const r = await corruptMain(args(a), quiet);
  t.ok(r.complete);
  t.equal(r.written, 4 * 16);
  const ds = imagenetP(a);
  t.equal(ds.items.length, 4 * 16);
  t.same(ds.frameCountMismatches, [], '31 frames each, translate 41');
  for (const it of ds.items) t.equal(it.frames!.length, it.perturbation === 'translate' ? 41 : 31, `${it.perturbation} frames`);
  t.same([...ds.perturbations].sort(), [...PERTURBATIONS, 'gaussian_noise_2', 'shot_noise_3'].sort());
});

t.test('the same seed gives the same bytes; a rerun redoes nothing', async (t) => {
  const b = path.join(out, 'b');
  await corruptMain(args(b), quiet);
  t.same([...hashTree(b)], [...hashTree(a)]);
  const again = await corruptMain(args(a), quiet);
  t.equal(again.written, 0);
  t.equal(again.skippedExisting, 4 * 16);
});

t.test('frames pass through the clean crop where the sequence says so', async (t) => {
  const seq = (p: string) => path.join(a, p, 'n01443537', 'ILSVRC2012_val_00000001');
  const clean = await pixels(path.join(seq('gaussian_noise'), '0.png'));
  t.same(await pixels(path.join(seq('shot_noise'), '0.png')), clean, 'noise sequences start from the clean crop');
  t.same(await pixels(path.join(seq('translate'), '20.png')), clean, 'translate frame 20 is unshifted');
  t.same(await pixels(path.join(seq('rotate'), '15.png')), clean, 'rotate frame 15 is unrotated');
  t.same(await pixels(path.join(seq('shear'), '15.png')), clean, 'shear frame 15 is unsheared');
  t.same(await pixels(path.join(seq('tilt'), '15.png')), clean, 'tilt frame 15 is untilted');
  t.not(readFileSync(path.join(seq('gaussian_noise'), '1.png')).toString('hex'), readFileSync(path.join(seq('gaussian_noise'), '2.png')).toString('hex'), 'independent noisy copies');
});

t.test('perturbation names are checked', async (t) => {
  t.throws(() => parsePerturbations('rotate_2'), /unknown name rotate_2/);
  t.throws(() => parsePerturbations('rain'), /unknown name rain/);
  t.same(parsePerturbations('speckle_noise_3').map((p) => [p.base, p.level, p.frames]), [['speckle_noise', 3, 31]]);
});

t.test('a perturb run killed with SIGKILL and rerun finishes with no finished sequence redone', async (t) => {
  const killed = path.join(out, 'killed');
  const cliArgs = [CLI, 'corrupt', '--data', src, '--out', killed, '--seed', '9', '--size', String(SIZE), '--perturbations', 'all,gaussian_noise_2,shot_noise_3', '--json'];
  // Finished sequences: folders of the layout's depth (a sequence in progress is a .part folder beside them).
  const sequences = () => {
    const found = new Map<string, number>();
    if (!existsSync(killed)) return found;
    for (const p of readdirSync(killed)) {
      const pd = path.join(killed, p);
      if (!statSync(pd).isDirectory()) continue;
      for (const w of readdirSync(pd))
        for (const stem of readdirSync(path.join(pd, w)))
          if (!stem.includes('.part-')) found.set(path.join(p, w, stem), statSync(path.join(pd, w, stem)).mtimeMs);
    }
    return found;
  };
  const child = spawn('node', cliArgs, { stdio: 'ignore' });
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      let n = 0;
      try {
        n = sequences().size;
      } catch {
        return; // a folder renamed while listing: look again
      }
      if (n >= 12) {
        clearInterval(timer);
        child.kill('SIGKILL');
        resolve();
      }
    }, 5);
    child.on('exit', () => {
      clearInterval(timer);
      reject(new Error('the run finished before it could be killed'));
    });
  }).catch((e) => t.fail(String(e)));
  await new Promise((r) => child.once('exit', r));
  const before = sequences();
  t.ok(before.size >= 12 && before.size < 64, `killed after ${before.size} sequences`);
  const { stdout } = await promisify(execFile)('node', cliArgs, { maxBuffer: 16 << 20 });
  const r = JSON.parse(stdout);
  t.equal(r.skippedExisting, before.size, 'finished sequences skipped');
  t.equal(r.written, 64 - before.size, 'only the rest made');
  for (const [k, m] of before) if (sequences().get(k) !== m) t.fail(`${k} was rewritten`);
  const final = new Map([...hashTree(killed)].filter(([k]) => !k.includes('.part-')));
  t.same([...final.entries()], [...hashTree(a).entries()], 'the resumed set equals an uninterrupted one');
});
