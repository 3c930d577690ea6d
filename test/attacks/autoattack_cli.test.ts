// `lkrobust attack --attack autoattack` end to end on a generated ImageFolder with a random-weight demo model:
// results.json (log, flags, per-image records), --json, resume after SIGKILL in the middle of APGD-T (the same
// results as an uninterrupted run, no finished (batch, attack) recomputed), --random-stream torch (recorded, the
// library's verdicts), shards + merge, errors by name.
// Needs the CLI built (npm run build:ts).
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import sharp from 'sharp';
import t from 'tap';

import { randomParams } from '../../src/bench/model.js';
import { writeSafetensors } from '../../src/models/checkpoint/index.js';
import { imageFolder } from '../../src/data/layouts.js';
import { loadImages } from '../../src/data/preprocess.js';
import { Model } from '../../src/models/model.js';
import { autoAttackConfig, runAaAttack } from '../../src/robustness/attacks/autoattack.js';
import { argmax } from '../../src/robustness/attacks/common.js';
import { mulberry } from '../helpers/tensor.js';

const run = promisify(execFile);
const CLI = path.resolve(new URL('../../dist/cli/main.js', import.meta.url).pathname);
const root = mkdtempSync(path.join(os.tmpdir(), 'lkr-autoattack-cli-'));
t.teardown(() => rmSync(root, { recursive: true, force: true }));

const data = path.join(root, 'data');
for (let c = 0; c < 3; c++) {
  for (let k = 0; k < 3; k++) {
    const w = 40 + 3 * k;
    const h = 36 + 5 * c;
    const r = mulberry(100 * c + k);
    const px = Buffer.alloc(w * h * 3);
    for (let i = 0; i < px.length; i++) px[i] = Math.floor(255 * (0.3 * r() + 0.35 * (1 + Math.sin(i * (c + 1) * 0.01 + (i % 3)))));
    mkdirSync(path.join(data, `class_${c}`), { recursive: true });
    await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toFile(path.join(data, `class_${c}`, `img_${k}.png`));
  }
}
// Random demo-ConvNeXt weights whose head favours classes 0..2: some images correct, some robust at small ε.
const m = new Model('lkr_demo_convnext');
const p = randomParams(m, 1);
for (let k = 0; k < 3; k++) p['head.fc.bias'].data[k] += 8;
const weights = path.join(root, 'demo.safetensors');
writeSafetensors(weights, new Map(Object.entries(p)));

const base = ['attack', '--attack', 'autoattack', '--model', 'lkr_demo_convnext', '--weights', weights, '--data', data];
const cli = async (args: string[]) =>
  JSON.parse((await run('node', [CLI, ...base, ...(args.includes('--eps') ? [] : ['--eps', '2/255']), ...args, '--json'], { maxBuffer: 64 << 20 })).stdout);

t.test('standard version: results.json log, flags and per-image records', async (t) => {
  const out = path.join(root, 'runs', 'std');
  const j = await cli(['--iterations', '8', '--queries', '20', '--batch', '3', '--out', out]);
  t.same(j, JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')), '--json prints results.json');
  t.same(j.attacks, ['apgd-ce', 'apgd-t', 'fab-t', 'square']);
  t.same(j.log.map((s: { attack: string }) => s.attack), ['clean', 'apgd-ce', 'apgd-t', 'fab-t', 'square']);
  t.equal(j.images, 9);
  t.ok(j.complete);
  t.equal(j.eps, 2 / 255, 'ε as a fraction');
  for (let i = 1; i < j.log.length; i++) {
    t.equal(j.log[i].attacked, j.log[i - 1].robust, `${j.log[i].attack} attacks exactly the images still robust`);
    t.ok(j.log[i].robust_accuracy <= j.log[i - 1].robust_accuracy);
  }
  t.equal(j.robust_accuracy, j.log[j.log.length - 1].robust_accuracy);
  t.same(Object.keys(j.flags).sort(), ['dynamic', 'n_classes', 'randomized', 'softmax_output', 'square_better', 'zero_gradient']);
  t.equal(j.flags.randomized, false);
  t.equal(j.flags.softmax_output, false);
  for (const im of j.per_image) {
    if (im.broken_by && im.broken_by !== 'clean') t.ok(im.perturbation <= 2 / 255 + 1e-6 && im.adv_pred !== im.label, `image ${im.index}: broken by ${im.broken_by} within ε`);
    if (im.broken_by === null) t.equal(im.adv_pred, im.label);
  }
  const b1 = await cli(['--iterations', '8', '--queries', '20', '--batch', '9', '--out', path.join(root, 'runs', 'std-b9')]);
  t.same(b1.per_image, j.per_image, 'per-image records do not depend on --batch');
});

t.test('a run killed with SIGKILL in the middle of APGD-T resumes to the uninterrupted results', async (t) => {
  // ε = 1e-4: APGD-CE breaks nothing, so APGD-T runs (9 targets × 30 iterations) on every clean-correct image.
  const args = (out: string) => [CLI, ...base, '--eps', '0.0001', '--iterations', '30', '--version', 'custom', '--attacks', 'apgd-ce,apgd-t', '--batch', '9', '--out', out, '--json'];
  const whole = path.join(root, 'runs', 'kill-whole');
  const killed = path.join(root, 'runs', 'kill-resumed');
  const { stdout: w } = await run('node', args(whole), { maxBuffer: 64 << 20 });
  const a = JSON.parse(w);
  t.ok(a.log[1].robust > 0, `images left for APGD-T (${a.log[1].robust})`);
  const child = spawn('node', args(killed), { stdio: 'ignore' });
  const journal = path.join(killed, 'journal.jsonl');
  const stages = () => (existsSync(journal) ? readFileSync(journal, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l).batch as number) : []);
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (stages().includes(1)) {
        // APGD-CE of the batch is journalled: APGD-T (9 target classes × 30 iterations) is running now.
        clearInterval(timer);
        setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, 300);
      }
    }, 10);
    child.on('exit', () => {
      clearInterval(timer);
      reject(new Error('the run finished before it could be killed'));
    });
  }).catch((e) => t.fail(String(e)));
  await new Promise((r) => child.once('exit', r));
  t.same(stages(), [0, 1], 'killed after the clean pass and APGD-CE, during APGD-T');
  const { stdout } = await run('node', args(killed), { maxBuffer: 64 << 20 });
  const b = JSON.parse(stdout);
  t.same(b.log, a.log, 'the same log as the uninterrupted run');
  t.same(b.per_image, a.per_image, 'the same per-image records');
  t.equal(b.timing.resumed_stages, 2, 'clean pass and APGD-CE taken from the journal');
  t.same(stages(), [0, 1, 2], 'each (batch, stage) journalled once');
});

t.test('--random-stream torch: recorded, the batching caveat warned, the library\'s verdicts', async (t) => {
  const args = ['--eps', '8/255', '--iterations', '6', '--version', 'custom', '--attacks', 'apgd-ce', '--random-stream', 'torch'];
  const j = await cli([...args, '--batch', '9', '--out', path.join(root, 'runs', 'torch-b9')]);
  t.equal(j.random_stream, 'torch', 'results.json: random_stream');
  t.equal(j.config.autoattack.randomStream, 'torch', 'part of the run\'s identity (resume refuses another stream)');
  t.match(j.notes[0], /reference's torch stream/);
  const def = await cli(['--eps', '8/255', '--iterations', '6', '--version', 'custom', '--attacks', 'apgd-ce', '--batch', '9', '--out', path.join(root, 'runs', 'per-image-b9')]);
  t.equal(def.random_stream, 'per-image', 'the default');
  // The same attack through the library on the same images, one batch, torch stream, seed 0.
  const model = new Model('lkr_demo_convnext');
  model.loadWeights(weights);
  const ds = imageFolder(data);
  const x = await loadImages(ds.items.map((it) => it.path), model.entry.preprocess);
  const labels = ds.items.map((it) => it.label);
  const clean = argmax((await model.forward(x)).logits);
  const rows = clean.map((p, i) => (p === labels[i] ? i : -1)).filter((i) => i >= 0);
  t.ok(rows.length > 0, `${rows.length} clean-correct images to attack`);
  const per = x.data.length / labels.length;
  const xs = { shape: [rows.length, ...x.shape.slice(1)], data: new Float32Array(rows.length * per) };
  rows.forEach((i, a) => xs.data.set(x.data.subarray(i * per, (i + 1) * per), a * per));
  const cfg = autoAttackConfig('custom', 'Linf', 8 / 255, 0, { attacks: ['apgd-ce'], iterations: 6, randomStream: 'torch' });
  const r = await runAaAttack(model, 'apgd-ce', cfg, xs, rows.map((i) => labels[i]), rows);
  const pred = argmax((await model.forward(r.x)).logits);
  const lib = new Map(rows.map((i, a) => [i, pred[a] !== labels[i]]));
  t.same(
    j.per_image.filter((im: { broken_by: string | null }) => im.broken_by !== 'clean').map((im: { index: number; broken_by: string | null }) => [im.index, im.broken_by === 'apgd-ce']),
    rows.map((i) => [i, lib.get(i)]),
    'per image, the CLI\'s verdicts are the library\'s on one batch',
  );
  const { stderr } = await run('node', [CLI, ...base, ...args, '--batch', '4', '--out', path.join(root, 'runs', 'torch-b4'), '--json'], { maxBuffer: 64 << 20 });
  t.match(stderr, /regroups the images still robust/, 'more images than --batch: warned');
  await t.rejects(cli(['--random-stream', 'numpy']), /Choices|per-image/);
  t.match((await run('node', [CLI, 'attack', '--help'])).stdout, /--random-stream/);
});

t.test('shards merge into the single run; errors by name', async (t) => {
  const one = await cli(['--iterations', '5', '--queries', '5', '--limit', '6', '--version', 'custom', '--attacks', 'apgd-ce,square', '--batch', '4', '--out', path.join(root, 'runs', 'sh-all')]);
  for (const i of [0, 1]) await cli(['--iterations', '5', '--queries', '5', '--limit', '6', '--version', 'custom', '--attacks', 'apgd-ce,square', '--batch', '4', '--shard', `${i}/2`, '--out', path.join(root, 'runs', `sh-${i}`)]);
  const merged = JSON.parse((await run('node', [CLI, 'merge', path.join(root, 'runs', 'sh-0'), path.join(root, 'runs', 'sh-1'), '--out', path.join(root, 'runs', 'sh-merged'), '--json'])).stdout);
  t.same(merged.log, one.log, 'merged log = the single run\'s');
  t.same(merged.per_image.map((im: { index: number; broken_by: string | null }) => [im.index, im.broken_by]), one.per_image.map((im: { index: number; broken_by: string | null }) => [im.index, im.broken_by]));
  await t.rejects(cli(['--version', 'standard', '--attacks', 'apgd-ce']), /needs --version custom/);
  await t.rejects(cli(['--norm', 'Lp']), /Choices|Linf/);
  await t.rejects(cli(['--eps', '4/0']), /one budget > 0/);
  const help = (await run('node', [CLI, 'attack', '--help'])).stdout;
  t.match(help, /--version/);
  t.match(help, /autoattack/);
});
