import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import t from 'tap';

import { loadImages } from '../../src/data/preprocess.js';
import { imagenetVal } from '../../src/data/layouts.js';
import { Model } from '../../src/models/model.js';
import { BENCHMARKS } from '../../src/robustness/benchmarks.js';
import { evalMain } from '../../src/cli/commands/eval.js';
import { mergeRuns } from '../../src/cli/commands/merge.js';
import { CLI, makeFixture } from './fixtures.js';

const run = promisify(execFile);
const fx = await makeFixture();
t.teardown(() => rmSync(fx.root, { recursive: true, force: true }));

const base = (benchmark: string, out: string) => ({
  model: 'lkr_demo_convnext',
  weights: fx.weights,
  benchmark: benchmark as (typeof BENCHMARKS)[number],
  data: fx.dirs[benchmark],
  batch: 4,
  json: true,
  difficulty: 1,
  out,
  valDir: benchmark === 'imagenet-o' ? fx.dirs['imagenet-val'] : undefined,
  cleanError: benchmark === 'imagenet-c' ? 0.5 : undefined,
});
const quiet = () => {};

t.test('every benchmark runs on its released layout and writes results.json + CSV', async (t) => {
  for (const b of BENCHMARKS) {
    const out = path.join(fx.root, 'runs', b);
    const { results } = await evalMain(base(b, out), quiet);
    t.equal(results.benchmark, b);
    t.ok(results.complete, `${b} complete`);
    t.match(results.weights_sha256, /^[0-9a-f]{64}$/);
    t.ok(results.rows.length > 0, `${b} has rows`);
    t.ok(existsSync(path.join(out, 'results.csv')), `${b} csv`);
    for (const r of results.rows) if (r.error !== undefined) t.ok(r.error >= 0 && r.error <= 1, `${b} error is a fraction`);
  }
  const c = JSON.parse(readFileSync(path.join(fx.root, 'runs', 'imagenet-c', 'results.json'), 'utf8'));
  t.same(c.rows.map((r: { corruption: string }) => r.corruption).filter((v: string, i: number, a: string[]) => a.indexOf(v) === i), ['brightness', 'contrast', 'gaussian_noise']);
  t.equal(c.summary.mCE, null, 'mCE needs all 15 corruptions: null with a reason');
  t.match(c.summary.mCE_reason, /missing/);
  const p = JSON.parse(readFileSync(path.join(fx.root, 'runs', 'imagenet-p', 'results.json'), 'utf8'));
  t.same(p.rows.map((r: { perturbation: string }) => r.perturbation), ['brightness', 'gaussian_noise']);
  for (const r of p.rows) t.ok(r.fp >= 0 && r.fp <= 1 && r.ut5d >= 0 && r.ut5d <= 15, 'FP and uT5D in range');
  const nine = JSON.parse(readFileSync(path.join(fx.root, 'runs', 'imagenet-9', 'results.json'), 'utf8'));
  t.equal(nine.summary.bg_gap, nine.summary.accuracy.mixed_same - nine.summary.accuracy.mixed_rand);
});

t.test('imagenet-val top-1 equals argmax of the model on the same images', async (t) => {
  const out = path.join(fx.root, 'runs', 'val-check');
  const { results } = await evalMain(base('imagenet-val', out), quiet);
  const ds = imagenetVal(fx.dirs['imagenet-val']);
  const model = new Model('lkr_demo_convnext');
  model.loadWeights(fx.weights);
  const x = await loadImages(ds.items.map((i) => i.path), model.entry.preprocess);
  const { logits } = await model.forward(x);
  let correct = 0;
  ds.items.forEach((it, i) => {
    const row = logits.data.subarray(i * 1000, (i + 1) * 1000);
    let best = 0;
    for (let k = 1; k < 1000; k++) if (row[k] > row[best]) best = k;
    if (best === it.label) correct++;
  });
  t.equal(results.rows[0].correct, correct);
  t.equal(results.summary.top1, correct / ds.items.length);
});

t.test('a run killed with SIGKILL and rerun gives the same results without redoing finished batches', async (t) => {
  const whole = path.join(fx.root, 'runs', 'kill-whole');
  const killed = path.join(fx.root, 'runs', 'kill-resumed');
  const args = (out: string) => [CLI, 'eval', '--model', 'lkr_demo_convnext', '--weights', fx.weights, '--benchmark', 'imagenet-c', '--data', fx.dirs['imagenet-c'], '--batch', '4', '--out', out, '--json'];
  await run('node', args(whole), { maxBuffer: 64 << 20 });
  const child = spawn('node', args(killed), { stdio: 'ignore' });
  const journal = path.join(killed, 'journal.jsonl');
  const linesOf = () => (existsSync(journal) ? readFileSync(journal, 'utf8').split('\n').filter((l) => l.trim()) : []);
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (linesOf().length >= 3) {
        clearInterval(timer);
        child.kill('SIGKILL');
        resolve();
      }
    }, 20);
    child.on('exit', () => {
      clearInterval(timer);
      reject(new Error('the run finished before it could be killed'));
    });
  }).catch((e) => t.fail(String(e)));
  await new Promise((r) => child.once('exit', r));
  const parsed = linesOf().flatMap((l) => {
    try {
      return [JSON.parse(l) as { batch: number; records: unknown[]; failed: unknown[] }];
    } catch {
      return []; // a line cut by the kill
    }
  });
  const before = parsed.map((j) => j.batch);
  const finishedImages = parsed.reduce((s, j) => s + j.records.length + j.failed.length, 0);
  t.ok(before.length >= 3 && before.length < 30, `killed after ${before.length} batches`);
  t.notOk(existsSync(path.join(killed, 'results.json')), 'no results.json yet');
  await run('node', args(killed), { maxBuffer: 64 << 20 });
  const after = linesOf().map((l) => JSON.parse(l).batch as number);
  t.same(after.slice(0, before.length), before, 'the journal kept the finished batches');
  t.equal(new Set(after).size, after.length, 'no batch was run twice');
  const a = JSON.parse(readFileSync(path.join(whole, 'results.json'), 'utf8'));
  const b = JSON.parse(readFileSync(path.join(killed, 'results.json'), 'utf8'));
  t.same(b.rows, a.rows);
  t.same(b.summary, a.summary);
  t.equal(b.timing.resumed_images, finishedImages, 'the rerun resumed exactly the finished images');
});

t.test('three shards run as separate processes merge into the single-run result', async (t) => {
  const single = path.join(fx.root, 'runs', 'shard-single');
  const common = ['--model', 'lkr_demo_convnext', '--weights', fx.weights, '--benchmark', 'imagenet-c', '--data', fx.dirs['imagenet-c'], '--batch', '5', '--limit', '4', '--json'];
  await run('node', [CLI, 'eval', ...common, '--out', single], { maxBuffer: 64 << 20 });
  const dirs = [0, 1, 2].map((i) => path.join(fx.root, 'runs', `shard-${i}`));
  await Promise.all(dirs.map((d, i) => run('node', [CLI, 'eval', ...common, '--shard', `${i}/3`, '--out', d], { maxBuffer: 64 << 20 })));
  const merged = mergeRuns(dirs, path.join(fx.root, 'runs', 'shard-merged'));
  const one = JSON.parse(readFileSync(path.join(single, 'results.json'), 'utf8'));
  t.same(merged.rows, one.rows);
  t.same(merged.summary, one.summary);
  t.equal(merged.images, one.images);
  t.throws(() => mergeRuns(dirs.slice(0, 2), path.join(fx.root, 'runs', 'bad')), /expected the 3 distinct shards/);
});

t.test('bad input is named: a missing folder, an unreadable image', async (t) => {
  await t.rejects(evalMain({ ...base('imagenet-val', path.join(fx.root, 'runs', 'missing')), data: path.join(fx.root, 'nope') }, quiet), /nope/);
  const val = path.join(fx.root, 'val-with-bad');
  cpSync(fx.dirs['imagenet-val'], val, { recursive: true });
  const cls = readdirSync(val)[0];
  writeFileSync(path.join(val, cls, 'broken.JPEG'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
  const { results } = await evalMain({ ...base('imagenet-val', path.join(fx.root, 'runs', 'bad-image')), data: val }, quiet);
  t.equal(results.failed_images.length, 1);
  t.match(results.failed_images[0].path, /broken\.JPEG$/);
  t.ok(results.complete, 'the run still completes');
  t.equal(results.images, imagenetVal(fx.dirs['imagenet-val']).items.length, 'every good image scored');
});
