// Every analysis through the CLI (node dist/cli/main.js analyze ...; `npm run build:ts` first) on the synthetic
// demo dataset with the demo ConvNeXt's random weights: results.json, results.csv, SVG + PNG plots; then
// `lkrobust report` over the analysis folders; and a per-batch analysis killed with SIGKILL resumes to the same
// results without redoing finished batches.
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import sharp from 'sharp';
import t, { type Test } from 'tap';

import { randomParams } from '../../src/bench/model.js';
import { imageFolder } from '../../src/data/layouts.js';
import { writeSafetensors } from '../../src/models/checkpoint/index.js';
import { Model } from '../../src/models/model.js';
import { CLI, makeFixture } from '../eval/fixtures.js';

const run = promisify(execFile);
const fx = await makeFixture();
t.teardown(() => rmSync(fx.root, { recursive: true, force: true }));
const runs = path.join(fx.root, 'runs');
const data = fx.dirs['imagenet-val'];
const N = imageFolder(data).items.length;

/** A DINO ViT-S/16 checkpoint with random weights, when the ViT family is built (salient occlusion). */
function dinoWeights(): string | null {
  try {
    const m = new Model('vit_small_patch16_224.dino');
    const file = path.join(fx.root, 'dino.safetensors');
    writeSafetensors(file, new Map(Object.entries(randomParams(m, 5))));
    return file;
  } catch {
    return null;
  }
}
const dino = dinoWeights();

async function analyze(analysis: string, extra: string[]) {
  const out = path.join(runs, analysis);
  const { stdout } = await run('node', [CLI, 'analyze', analysis, '--model', 'lkr_demo_convnext', '--weights', fx.weights, '--out', out, '--json', ...extra], { maxBuffer: 64 << 20 });
  const printed = JSON.parse(stdout);
  const saved = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
  return { out, printed, saved };
}

async function checkOutputs(t: Test, out: string, results: { rows: Record<string, unknown>[] }) {
  const files = readdirSync(out);
  t.ok(files.includes('results.json'), 'results.json');
  const csv = readFileSync(path.join(out, 'results.csv'), 'utf8').trim().split('\n');
  t.equal(csv.length, results.rows.length + 1, 'results.csv: a header and one line per row');
  const svgs = files.filter((f) => f.endsWith('.svg'));
  t.ok(svgs.length >= 1, `a plot (${svgs.join(', ')})`);
  for (const s of svgs) {
    t.match(readFileSync(path.join(out, s), 'utf8'), /^<svg/, `${s} is SVG`);
    const png = path.join(out, s.replace(/\.svg$/, '.png'));
    t.ok(existsSync(png), `${path.basename(png)} beside it`);
    const meta = await sharp(png).metadata();
    t.ok(meta.format === 'png' && (meta.width ?? 0) > 100, 'a real PNG');
  }
}

t.test('occlusion', async (t) => {
  const modes = dino ? 'random,salient,non-salient' : 'random';
  const extra = ['--data', data, '--batch', '4', '--ratios', '0,0.3,0.5,1', '--modes', modes, ...(dino ? ['--saliency-weights', dino] : [])];
  const { out, printed, saved } = await analyze('occlusion', extra);
  t.same(printed, saved, '--json prints results.json');
  const n = saved.summary.images;
  t.equal(n, N, `every image scored (${N})`);
  const row = (mode: string, ratio: number) => saved.rows.find((r: { mode: string; ratio: number }) => r.mode === mode && r.ratio === ratio);
  t.equal(row('random', 0).accuracy, saved.summary.clean_accuracy, 'dropping nothing is clean');
  t.equal(saved.rows.length, (dino ? 3 : 1) * 4);
  t.equal(saved.config.drop_count, 'floor', 'random drop count as released unless --drop-count round');
  t.ok(saved.complete, 'complete');
  if (!dino) t.comment('salient modes not run: the ViT family is not built yet');
  await checkOutputs(t, out, saved);
});

t.test('lesion', async (t) => {
  const { out, saved } = await analyze('lesion', ['--data', data, '--batch', '4', '--candidates', 'all', '--max-n', '2', '--samples', '2']);
  t.same(saved.config.candidate_blocks, ['stages.0.blocks.0', 'stages.1.blocks.0', 'stages.2.blocks.0', 'stages.3.blocks.0']);
  t.equal(saved.rows.length, 4, 'n = 1, 2 × 2 samples');
  t.same(saved.rows.map((r: { fraction: number }) => r.fraction), [0.25, 0.25, 0.5, 0.5]);
  t.equal(saved.sets.length, 4);
  await checkOutputs(t, out, saved);
  // Two shards merged with `lkrobust merge` give the single run's rows (lesion has no per-batch randomness).
  const lesion = ['--data', data, '--batch', '4', '--candidates', 'all', '--max-n', '2', '--samples', '2'];
  const shardDirs = [0, 1].map((i) => path.join(runs, `lesion-s${i}`));
  for (const [i, dir] of shardDirs.entries()) {
    await run('node', [CLI, 'analyze', 'lesion', '--model', 'lkr_demo_convnext', '--weights', fx.weights, '--out', dir, ...lesion, '--shard', `${i}/2`]);
  }
  const merged = path.join(runs, 'lesion-merged');
  const { stdout } = await run('node', [CLI, 'merge', ...shardDirs, '--out', merged, '--json'], { maxBuffer: 64 << 20 });
  const m = JSON.parse(stdout);
  t.same(m.rows, saved.rows, 'merged rows equal the single run (counts, accuracy, drop)');
  t.equal(m.summary.clean_accuracy, saved.summary.clean_accuracy, 'clean accuracy from the journals');
  t.equal(m.summary.images, N);
  await checkOutputs(t, merged, m);
});

t.test('frequency', async (t) => {
  const { out, saved } = await analyze('frequency', ['--data', data, '--batch', '8', '--bands', '0,0.5,0.9', '--eps', '0.1']);
  t.same(saved.rows.map((r: { band: number }) => r.band), [0, 0.5, 0.9]);
  t.equal(saved.config.eps, 0.1, 'the noise amplitude is stated');
  t.ok(saved.rows.every((r: { n: number }) => r.n === N));
  await checkOutputs(t, out, saved);
});

t.test('kernel-distance (applied and the released code definition on the large branch)', async (t) => {
  const a = await analyze('kernel-distance', []);
  t.equal(a.saved.layers.length, 4, 'one per depthwise layer');
  t.equal(a.saved.rows.length, 16 + 32 + 64 + 128, 'one row per channel');
  t.ok(a.saved.layers.every((l: { distances: number[] }) => l.distances.every((d, i, arr) => i === 0 || d >= arr[i - 1])), 'sorted ascending');
  await checkOutputs(t, a.out, a.saved);
  const out = path.join(runs, 'kernel-distance-code');
  await run('node', [CLI, 'analyze', 'kernel-distance', '--model', 'lkr_demo_convnext', '--weights', fx.weights, '--out', out, '--branch', 'large', '--definition', 'code']);
  const code = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
  t.same(code.config, { branch: 'large', definition: 'code' });
  t.not(code.rows[5].distance, a.saved.rows[5].distance, 'the two definitions differ');
});

t.test('feature-variance', async (t) => {
  const { out, saved } = await analyze('feature-variance', ['--data', data]);
  t.equal(saved.config.images, Math.min(64, N), 'one batch (default 64 images)');
  t.equal(saved.rows.length, 8, 'stem, 4 blocks, 3 downsamples');
  t.ok(saved.rows.every((r: { variance: number }) => r.variance > 0 && Number.isFinite(r.variance)));
  await checkOutputs(t, out, saved);
});

t.test('erf', async (t) => {
  const { out, saved } = await analyze('erf', ['--data', data, '--batch', '4']);
  t.same(saved.summary.map_shape, [224, 224]);
  t.equal(saved.config.images, N);
  t.same(saved.rows.map((r: { threshold: number }) => r.threshold), [0.2, 0.3, 0.5, 0.99]);
  t.ok(existsSync(path.join(out, 'erf_map.npy')), 'the full map as .npy');
  await checkOutputs(t, out, saved);
});

t.test('lkrobust report over the analysis folders', async (t) => {
  const { stdout } = await run('node', [CLI, 'report', runs]);
  const m = /(\d+) result file\(s\), (\d+) figure\(s\)/.exec(stdout);
  t.ok(m, stdout);
  t.ok(Number(m![1]) >= 7, `${m![1]} result files`);
  t.ok(Number(m![2]) >= 6, `${m![2]} figures: one per analysis`);
  const html = readFileSync(path.join(runs, 'report.html'), 'utf8');
  for (const id of ['analysis-occlusion', 'analysis-lesion', 'analysis-frequency', 'analysis-kernel-distance', 'analysis-feature-variance', 'erf-lkr_demo_convnext']) t.match(html, `id="${id}"`, `figure ${id}`);
  t.notMatch(html, /<script|<link|src="http/, 'self-contained');
  t.ok(statSync(path.join(runs, 'report.html')).size > 10000);
});

t.test('a per-batch analysis killed with SIGKILL resumes to the same results', async (t) => {
  const args = (out: string) => [CLI, 'analyze', 'frequency', '--model', 'lkr_demo_convnext', '--weights', fx.weights, '--data', data, '--batch', '1', '--bands', '0,0.2,0.4,0.6,0.8', '--out', out, '--json'];
  const whole = path.join(fx.root, 'kill', 'whole');
  const killed = path.join(fx.root, 'kill', 'resumed');
  await run('node', args(whole), { maxBuffer: 64 << 20 });
  const child = spawn('node', args(killed), { stdio: 'ignore' });
  const journal = path.join(killed, 'journal.jsonl');
  const linesOf = () => (existsSync(journal) ? readFileSync(journal, 'utf8').split('\n').filter((l) => l.trim()) : []);
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (linesOf().length >= 2) {
        clearInterval(timer);
        child.kill('SIGKILL');
        resolve();
      }
    }, 10);
    child.on('exit', () => {
      clearInterval(timer);
      resolve();
    });
    child.on('error', reject);
  });
  await new Promise((r) => setTimeout(r, 100));
  const before = linesOf();
  t.ok(before.length >= 2 && before.length < N, `killed after ${before.length} of ${N} batches`);
  t.notOk(existsSync(path.join(killed, 'results.json')), 'no results yet');
  await run('node', args(killed), { maxBuffer: 64 << 20 });
  const after = linesOf();
  t.same(after.slice(0, before.length), before, 'the journal kept the finished batches');
  t.equal(after.length, N, 'each batch once');
  t.equal(new Set(after.map((l) => JSON.parse(l).batch)).size, N, 'no batch was run twice');
  const a = JSON.parse(readFileSync(path.join(whole, 'results.json'), 'utf8'));
  const b = JSON.parse(readFileSync(path.join(killed, 'results.json'), 'utf8'));
  t.same(b.rows, a.rows, 'the same rows as an uninterrupted run');
  t.same(b.summary.clean_accuracy, a.summary.clean_accuracy);
});
