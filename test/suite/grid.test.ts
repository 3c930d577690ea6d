// `lkrobust suite` on a custom grid with the demo model and small generated datasets: one run (cells skipped
// when their data is not given, each cell equal to its own command), a SIGKILL mid-run then a resume that redoes
// no finished cell, and three shards merged into the same suite.json as the single run.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import t from 'tap';

import { sha256OfFile } from '../../src/weights/hashes.js';
import { CLI, makeFixture } from '../eval/fixtures.js';
import { isolatedEnv } from '../weights/fixtures.js';

const run = promisify(execFile);
const fx = await makeFixture();
t.teardown(() => rmSync(fx.root, { recursive: true, force: true }));
const env = isolatedEnv(fx.root);

// A data root with every benchmark but ImageNet-R (its cells must be skipped, and say so).
const dataRoot = path.join(fx.root, 'partial');
mkdirSync(dataRoot, { recursive: true });
for (const [k, dir] of Object.entries(fx.dirs)) if (k !== 'imagenet-r') symlinkSync(dir, path.join(dataRoot, k));

const GRID = [
  'suite', '--models', 'lkr_demo_convnext', '--benchmarks', 'imagenet-val,imagenet-c,imagenet-9,imagenet-r', '--analyses', 'frequency,kernel-distance',
  '--attacks', 'fgsm', '--weights', `lkr_demo_convnext=${fx.weights}`, '--data-root', dataRoot, '--set', 'bands=0,0.5', '--batch', '8',
];
const suite = (out: string, extra: string[] = []) => run(process.execPath, [CLI, ...GRID, '--out', out, ...extra], { env, maxBuffer: 64 << 20 });
const readJson = (f: string) => JSON.parse(readFileSync(f, 'utf8'));
const events = (out: string) => readFileSync(path.join(out, 'suite-log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { cell: string; event: string; pid: number });

const single = path.join(fx.root, 'single');
let reference: Record<string, unknown>;

t.test('one run: every cell done or skipped by name, one leaderboard', async (t) => {
  const { stderr } = await suite(single);
  reference = readJson(path.join(single, 'suite.json'));
  const s = reference as { cells: { id: string; status: string; reason?: string }[]; models: Record<string, { weights: { sha256: string }; metrics: Record<string, number | null>; protocol: Record<string, string> }> };
  const status = Object.fromEntries(s.cells.map((c) => [c.id, c.status]));
  t.same(status, {
    'eval.imagenet-val.lkr_demo_convnext': 'done', 'eval.imagenet-c.lkr_demo_convnext': 'done', 'eval.imagenet-9.lkr_demo_convnext': 'done', 'eval.imagenet-r.lkr_demo_convnext': 'skipped',
    'analyze.frequency.lkr_demo_convnext': 'done', 'analyze.kernel-distance.lkr_demo_convnext': 'done', 'attack.fgsm.lkr_demo_convnext': 'done',
  });
  t.match(s.cells.find((c) => c.id === 'eval.imagenet-r.lkr_demo_convnext')!.reason, /no imagenet-r data: give --imagenet-r DIR or put it at .*partial\/imagenet-r/);
  t.match(stderr, /skipped eval\.imagenet-r\.lkr_demo_convnext/, 'the skip is said');
  const card = s.models.lkr_demo_convnext;
  t.equal(card.weights.sha256, await sha256OfFile(fx.weights), 'the model card carries the weights sha256');
  for (const m of ['imagenet.top1', 'imagenet-c.sev5_accuracy', 'imagenet-9.original', 'imagenet-9.mixed_rand', 'frequency.band@0.5.drop', 'fgsm.eps=0.1.success_rate']) t.type(card.metrics[m], 'number', m);
  t.match(card.protocol['eval.imagenet-c.lkr_demo_convnext'], /^lkrobust eval --model lkr_demo_convnext --weights demo\.safetensors --benchmark imagenet-c --batch 8 --data <imagenet-c>/);
  const csv = readFileSync(path.join(single, 'suite.csv'), 'utf8').trim().split('\n');
  t.equal(csv.length, 2);
  t.match(csv[0], /^model,weights_sha256,.*imagenet\.top1/);
  t.match(readFileSync(path.join(single, 'report.html'), 'utf8'), /<table id="leaderboard">/);
});

t.test('a cell is exactly its command: `lkrobust eval` run by hand gives the same results', async (t) => {
  const out = path.join(fx.root, 'by-hand');
  await run(process.execPath, [CLI, 'eval', '--model', 'lkr_demo_convnext', '--weights', fx.weights, '--benchmark', 'imagenet-c', '--batch', '8', '--data', fx.dirs['imagenet-c'], '--json', '--out', out], { env, maxBuffer: 64 << 20 });
  const byHand = readJson(path.join(out, 'results.json'));
  const cell = readJson(path.join(single, 'cells', 'eval.imagenet-c.lkr_demo_convnext', 'results.json'));
  t.same(cell.rows, byHand.rows);
  t.same(cell.summary, byHand.summary);
  t.same({ ...cell.config, data: null }, { ...byHand.config, data: null }, 'the same configuration');
});

t.test('killed with SIGKILL mid-run, the rerun redoes no finished cell and ends with the same suite.json', async (t) => {
  const out = path.join(fx.root, 'killed');
  const child = spawn(process.execPath, [CLI, ...GRID, '--out', out], { env, stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', r));
  const logFile = path.join(out, 'suite-log.jsonl');
  for (let i = 0; i < 1200; i++) {
    if (existsSync(logFile) && events(out).some((e) => e.event === 'done')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  await exited;
  const before = events(out);
  const doneBefore = new Set(before.filter((e) => e.event === 'done').map((e) => e.cell));
  t.ok(doneBefore.size >= 1, `${doneBefore.size} cell(s) finished before the kill`);
  await suite(out);
  const after = events(out).slice(before.length);
  const restarted = after.filter((e) => e.event === 'start').map((e) => e.cell);
  t.ok(restarted.length >= 1, 'the rerun had cells left to run');
  t.same(restarted.filter((c) => doneBefore.has(c)), [], 'no finished cell started again');
  t.same(readJson(path.join(out, 'suite.json')), reference, 'the same suite.json as an uninterrupted run');
});

t.test('three shards merged give the same suite.json as one run', async (t) => {
  const dirs = [0, 1, 2].map((i) => path.join(fx.root, `shard${i}`));
  await Promise.all(dirs.map((d, i) => suite(d, ['--shard', `${i}/3`])));
  const ran = dirs.map((d) => (existsSync(path.join(d, 'cells')) ? readdirSync(path.join(d, 'cells')).sort() : []));
  t.same(ran.flat().sort(), ['analyze.frequency.lkr_demo_convnext', 'analyze.kernel-distance.lkr_demo_convnext', 'attack.fgsm.lkr_demo_convnext', 'eval.imagenet-9.lkr_demo_convnext', 'eval.imagenet-c.lkr_demo_convnext', 'eval.imagenet-val.lkr_demo_convnext'], 'each cell ran in exactly one shard');
  t.ok(ran.every((r) => r.length >= 1), 'every shard did some of the work');
  const merged = path.join(fx.root, 'merged');
  await run(process.execPath, [CLI, 'suite', 'merge', ...dirs, '--out', merged], { env });
  t.same(readJson(path.join(merged, 'suite.json')), reference);
  t.ok(existsSync(path.join(merged, 'report.html')) && existsSync(path.join(merged, 'suite.csv')));
  await t.rejects(run(process.execPath, [CLI, 'suite', 'merge', dirs[0], dirs[1], '--out', path.join(fx.root, 'm2')], { env }), { stderr: /expected the 3 shards 0\.\.2 of one suite, each once/ });
});

t.test('bad input gets named errors', async (t) => {
  await t.rejects(run(process.execPath, [CLI, 'suite', '--models', 'lkr_demo_convnext', '--out', path.join(fx.root, 'x')], { env }), { stderr: /name what to run: --benchmarks, --analyses and\/or --attacks/ });
  await t.rejects(run(process.execPath, [CLI, 'suite', '--models', 'lkr_demo_convnext', '--benchmarks', 'imagenet-z', '--out', path.join(fx.root, 'x')], { env }), { stderr: /--benchmarks: unknown "imagenet-z"/ });
  await t.rejects(suite(single, ['--set', 'bands=0,0.3']), { stderr: /holds a suite with a different plan/ });
});
