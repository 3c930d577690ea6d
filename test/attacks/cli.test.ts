// `lkrobust attack` end to end on a tiny generated ImageFolder with a random-weight demo model: results.json,
// --json, sweeps, transfer, normalised ε, and resume after SIGKILL. Needs the CLI built (npm run build:ts).
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import sharp from 'sharp';
import t from 'tap';

import { randomParams } from '../../src/bench/model.js';
import { writeSafetensors } from '../../src/models/checkpoint/index.js';
import { Model } from '../../src/models/model.js';
import { mulberry } from '../helpers/tensor.js';

const run = promisify(execFile);
const CLI = path.resolve(new URL('../../dist/cli/main.js', import.meta.url).pathname);
const root = mkdtempSync(path.join(os.tmpdir(), 'lkr-attack-cli-'));
t.teardown(() => rmSync(root, { recursive: true, force: true }));

// Three classes × four images (labels 0, 1, 2: folder ranks), odd sizes so resize and crop do work.
const data = path.join(root, 'data');
for (let c = 0; c < 3; c++) {
  for (let k = 0; k < 4; k++) {
    const w = 40 + 3 * k;
    const h = 36 + 5 * c;
    const r = mulberry(100 * c + k);
    const px = Buffer.alloc(w * h * 3);
    for (let i = 0; i < px.length; i++) px[i] = Math.floor(255 * (0.3 * r() + 0.35 * (1 + Math.sin(i * (c + 1) * 0.01 + (i % 3)))));
    mkdirSync(path.join(data, `class_${c}`), { recursive: true });
    await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toFile(path.join(data, `class_${c}`, `img_${k}.png`));
  }
}

// Random demo-ConvNeXt weights whose head favours classes 0..2, so some images are classified correctly.
function weights(seed: number): string {
  const m = new Model('lkr_demo_convnext');
  const p = randomParams(m, seed);
  const bias = p['head.fc.bias'].data;
  for (let k = 0; k < 3; k++) bias[k] += 40;
  const file = path.join(root, `demo-${seed}.safetensors`);
  writeSafetensors(file, new Map(Object.entries(p)));
  return file;
}
const wA = weights(1);
const wB = weights(2);

const base = ['--model', 'lkr_demo_convnext', '--weights', wA, '--data', data];
const cli = async (args: string[]) => JSON.parse((await run('node', [CLI, 'attack', ...args, '--json'], { maxBuffer: 64 << 20 })).stdout);

interface Row {
  model?: string;
  eps: number;
  eps_pixel?: number[];
  steps: number;
  n: number;
  clean_correct: number;
  adv_correct: number;
  accuracy: number;
  success_rate: number;
  success_rate_conditional: number | null;
  note?: string;
}

t.test('PGD sweep over ε and steps: results.json fields, --json, consistent rates', async (t) => {
  const out = path.join(root, 'runs', 'pgd');
  const j = await cli([...base, '--attack', 'pgd', '--eps', '0.004,8/255', '--steps', '1,2', '--batch', '4', '--out', out]);
  const file = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
  t.same(j, file, '--json prints results.json');
  t.equal(j.model, 'lkr_demo_convnext');
  t.equal(j.attack, 'pgd');
  t.match(j.weights_sha256, /^[0-9a-f]{64}$/);
  t.ok(j.complete);
  t.ok(j.config && j.timing && typeof j.timing.seconds === 'number');
  t.ok(existsSync(path.join(out, 'results.csv')));
  const rows = j.rows as Row[];
  t.same(rows.map((r) => [r.eps, r.steps]), [[0.004, 1], [0.004, 2], [8 / 255, 1], [8 / 255, 2]]);
  for (const r of rows) {
    t.same(Object.keys(r).slice(0, 8), ['eps', 'steps', 'n', 'clean_correct', 'adv_correct', 'accuracy', 'success_rate', 'success_rate_conditional']);
    t.equal(r.n, 12);
    t.equal(r.accuracy, r.adv_correct / r.n);
    t.equal(r.success_rate, 1 - r.accuracy);
    t.ok(r.clean_correct > 0, `some clean images correct (${r.clean_correct})`);
    t.ok(r.success_rate_conditional! >= 0 && r.success_rate_conditional! <= 1);
    t.ok(r.adv_correct <= r.clean_correct, 'untargeted PGD does not fix images here');
  }
  t.equal(new Set(rows.map((r) => r.clean_correct)).size, 1, 'one clean accuracy for all rows');
  // the same sweep with another batch size gives the same rows (random starts are per image)
  const again = await cli([...base, '--attack', 'pgd', '--eps', '0.004,8/255', '--steps', '1,2', '--batch', '5', '--out', path.join(root, 'runs', 'pgd-b5')]);
  t.same(again.rows, rows, 'rows do not depend on the batch size');
});

t.test('a run killed with SIGKILL and rerun gives the same rows', async (t) => {
  const args = (out: string) => [CLI, 'attack', ...base, '--attack', 'pgd', '--eps', '0.01', '--steps', '3', '--batch', '1', '--out', out, '--json'];
  const whole = path.join(root, 'runs', 'kill-whole');
  const killed = path.join(root, 'runs', 'kill-resumed');
  await run('node', args(whole), { maxBuffer: 64 << 20 });
  const child = spawn('node', args(killed), { stdio: 'ignore' });
  const journal = path.join(killed, 'journal.jsonl');
  const lines = () => (existsSync(journal) ? readFileSync(journal, 'utf8').split('\n').filter((l) => l.trim()) : []);
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (lines().length >= 2) {
        clearInterval(timer);
        child.kill('SIGKILL');
        resolve();
      }
    }, 10);
    child.on('exit', () => {
      clearInterval(timer);
      reject(new Error('the run finished before it could be killed'));
    });
  }).catch((e) => t.fail(String(e)));
  await new Promise((r) => child.once('exit', r));
  const before = lines().length;
  t.ok(before >= 2 && before < 12, `killed after ${before} of 12 batches`);
  t.notOk(existsSync(path.join(killed, 'results.json')), 'no results.json yet');
  const { stdout } = await run('node', args(killed), { maxBuffer: 64 << 20 });
  const a = JSON.parse(readFileSync(path.join(whole, 'results.json'), 'utf8'));
  const b = JSON.parse(stdout);
  t.same(b.rows, a.rows, 'same rows as the uninterrupted run');
  t.ok(b.timing.resumed_images >= 2, `resumed ${b.timing.resumed_images} images`);
  const batches = lines().map((l) => JSON.parse(l).batch as number);
  t.equal(new Set(batches).size, 12, 'every batch once');
});

t.test('transfer: crafted on a surrogate, scored on the target; FGSM; TAIG-R reach note; normalised ε', async (t) => {
  const tr = await cli(['--model', 'lkr_demo_convnext', '--weights', wB, '--surrogate', 'lkr_demo_convnext', '--surrogate-weights', wA, '--data', data, '--attack', 'fgsm', '--eps', '0.01,0.03', '--batch', '6', '--out', path.join(root, 'runs', 'transfer')]);
  t.equal(tr.surrogate, 'lkr_demo_convnext');
  t.match(tr.surrogate_weights_sha256, /^[0-9a-f]{64}$/);
  t.same(tr.rows.map((r: Row) => [r.model, r.eps, r.steps, r.n]), [['lkr_demo_convnext', 0.01, 1, 12], ['lkr_demo_convnext', 0.03, 1, 12]]);
  t.match(tr.notes.join(' '), /uint8/);

  const tg = await cli([...base, '--attack', 'taig-r', '--eps', '0.01,0.1', '--steps', '2', '--points', '3', '--limit', '3', '--batch', '3', '--out', path.join(root, 'runs', 'taig')]);
  t.same(tg.rows.map((r: Row) => [r.eps, r.steps, r.n]), [[0.01, 2, 3], [0.1, 2, 3]]);
  t.match(tg.rows[0].note, /ε exceeds steps × α/, '0.01 > 2/255');
  t.match(tg.rows[1].note, /ε exceeds steps × α/);
  t.ok(tg.notes.length >= 1);

  const nz = await cli([...base, '--attack', 'fgsm', '--eps', '0.02', '--eps-space', 'normalized', '--limit', '3', '--out', path.join(root, 'runs', 'norm')]);
  const std = new Model('lkr_demo_convnext').entry.preprocess.std;
  t.equal(nz.eps_space, 'normalized');
  t.same(nz.rows[0].eps_pixel.map((v: number) => +v.toFixed(6)), std.map((s) => +(0.02 * s).toFixed(6)), 'ε·std per channel');

  // two shards together hold the single run's counts
  const one = await cli([...base, '--attack', 'pgd', '--eps', '0.02', '--steps', '1', '--limit', '6', '--out', path.join(root, 'runs', 'shard-all')]);
  const parts = await Promise.all([0, 1].map((i) => cli([...base, '--attack', 'pgd', '--eps', '0.02', '--steps', '1', '--limit', '6', '--shard', `${i}/2`, '--out', path.join(root, 'runs', `shard-${i}`)])));
  for (const k of ['n', 'clean_correct', 'adv_correct'] as const) t.equal(parts[0].rows[0][k] + parts[1].rows[0][k], one.rows[0][k], `shards sum to the single run: ${k}`);
  // lkrobust merge joins them into the single run's rows (the conditional rate recomputed from per-image records)
  const merged = JSON.parse((await run('node', [CLI, 'merge', path.join(root, 'runs', 'shard-0'), path.join(root, 'runs', 'shard-1'), '--out', path.join(root, 'runs', 'merged'), '--json'])).stdout);
  t.same(merged.rows, one.rows, 'merge of the two shards: the single run\'s rows');
  t.equal(merged.images, one.images);
  t.equal(merged.config.shard, null);
  t.ok(existsSync(path.join(root, 'runs', 'merged', 'results.csv')), 'results.csv');
  await t.rejects(run('node', [CLI, 'merge', path.join(root, 'runs', 'shard-0'), '--out', path.join(root, 'runs', 'm1')]), /expected the 2 distinct shards/, 'one shard of two is refused');

  await t.rejects(cli([...base, '--attack', 'fgsm', '--eps', '0.01', '--steps', '3']), /FGSM is one step/);
  await t.rejects(cli([...base, '--attack', 'pgd', '--eps', 'abc']), /is not a number/);
});
