// `lkrobust bench ...`: benchmarks, never tests. Each prints a table (or --json) with the command's own anchor
// (oneDNN / PyTorch) measured in the same run.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import type { Argv } from 'yargs';

import { BENCH_ANALYSES, benchAnalyses, type BenchAnalysis } from '../../bench/analyses.js';
import { benchAttack } from '../../bench/attack.js';
import { corruptBench } from './bench_corrupt.js';
import { benchLoader } from '../../bench/loader.js';
import { benchModel } from '../../bench/model.js';
import { oraclePythonPath } from '../../bench/oracle.js';
import { fmaPeakGflops, profileTable } from '../../bench/profile.js';
import { benchTrain } from '../../bench/train.js';
import { addon, engineInfo } from '../../native.js';

function table(rows: Record<string, unknown>[]): string {
  const cols = Object.keys(rows[0] ?? {});
  const fmt = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(v < 10 ? 3 : 1)) : v === null ? '-' : String(v));
  const cells = rows.map((r) => cols.map((c) => fmt(r[c])));
  const width = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (xs: string[]) => xs.map((x, i) => x.padStart(width[i])).join('  ');
  return [line(cols), ...cells.map(line)].join('\n');
}

const modelBench = {
  command: 'model',
  describe: 'Images/s of a model, forward and input gradient, beside PyTorch (timm, channels-last, same threads and batch)',
  builder: (y: Argv) =>
    y
      .option('model', { type: 'string', array: true, demandOption: true, describe: 'one or more model names' })
      .option('batch', { type: 'number', default: 8 })
      .option('size', { type: 'number', describe: 'input size (default: the model\'s)' })
      .option('reps', { type: 'number', default: 5 })
      .option('warmup', { type: 'number', default: 2 })
      .option('torch', { type: 'boolean', default: true, describe: 'also time PyTorch through the oracle venv (if present)' })
      .option('device', { type: 'string', default: 'cpu', describe: 'cpu, cuda or cuda:N (ours and PyTorch both)' })
      .option('profile', { type: 'boolean', default: false, describe: 'also print where the time goes: per op kind, one forward and one input-gradient pass (calls, ms, share, GMAC, GFLOP/s)' })
      .option('json', { type: 'boolean', default: false })
      .epilog(
        'gmacs_* are multiply-accumulates per image counted by the engine from the pass it ran (a convolution\'s ' +
          'padding taps left out); limit_* = img/s x 2 x MACs / the measured FMA peak, the fraction of what this CPU ' +
          'could do on that model, ours and PyTorch\'s (CPU only).',
      ),
  handler: async (argv: { model: string[]; batch: number; size?: number; reps: number; warmup: number; torch: boolean; device: string; profile: boolean; json: boolean }) => {
    const threads = engineInfo().cpu.threads;
    const python = argv.torch ? oraclePythonPath() : null;
    const peakGflops = argv.device === 'cpu' ? await fmaPeakGflops() : null;
    const rows = [];
    for (const name of argv.model) {
      rows.push(await benchModel({ name, batch: argv.batch, size: argv.size, reps: argv.reps, warmup: argv.warmup, threads, python, device: argv.device, peakGflops }));
      if (!argv.json) process.stderr.write(`done ${name}\n`);
    }
    if (argv.json) {
      process.stdout.write(JSON.stringify({ threads, peak_gflops: peakGflops, rows: argv.profile ? rows : rows.map(({ profile: _, ...r }) => r) }, null, 2) + '\n');
      return;
    }
    if (peakGflops) process.stdout.write(`measured FMA peak: ${peakGflops.toFixed(1)} GFLOP/s (${threads} threads)\n`);
    const shown = rows.map(({ profile: _, ...r }) => r);
    process.stdout.write(table(shown as unknown as Record<string, unknown>[]) + '\n' + (python ? '' : '(no oracle venv: PyTorch columns empty)\n'));
    if (argv.profile)
      for (const r of rows) {
        process.stdout.write(`\n${r.model} (batch ${r.batch}, ${r.size}²): where the time goes\n`);
        process.stdout.write(table([...profileTable(r.profile.forward, 'forward'), ...profileTable(r.profile.grad, 'grad')]) + '\n');
      }
  },
};

const loaderBench = {
  command: 'loader',
  describe: "Decode rate (the exact pipeline beside Pillow + torchvision's, same files and threads) vs engine rate, and how busy the engine is in the eval pipeline",
  builder: (y: Argv) =>
    y
      .option('model', { type: 'string', default: 'resnet50' })
      .option('batch', { type: 'number', default: 32 })
      .option('images', { type: 'number', default: 256 })
      .option('threads', { type: 'number', describe: 'decode threads, ours and Pillow\'s thread pool (default: every core)' })
      .option('reps', { type: 'number', default: 3, describe: 'timed repetitions of the decode comparison (best kept)' })
      .option('json', { type: 'boolean', default: false }),
  handler: async (argv: { model: string; batch: number; images: number; threads?: number; reps: number; json: boolean }) => {
    const r = await benchLoader({ model: argv.model, batch: argv.batch, images: argv.images, threads: argv.threads, reps: argv.reps });
    process.stdout.write(argv.json ? JSON.stringify(r, null, 2) + '\n' : table([r as unknown as Record<string, unknown>]) + '\n');
  },
};

interface DwRow {
  n: number; c: number; h: number; w: number; k: number; stride: number; pass: string;
  ms: number; gflops: number; peak_fraction: number; ratio_onednn: number | null; ratio_torch: number | null;
}

const dwconvBench = {
  command: 'dwconv',
  describe: "Our depthwise conv kernels vs oneDNN's (same threads, NHWC): ms, effective GFLOP/s (valid taps only), fraction of the measured FMA peak",
  builder: (y: Argv) =>
    y
      .option('reps', { type: 'number', default: 20 })
      .option('warmup', { type: 'number', default: 3 })
      .option('passes', { type: 'string', default: 'fwd,bwd_data,bwd_weights', describe: 'comma-separated: fwd, bwd_data, bwd_weights' })
      .option('device', { type: 'string', default: 'cpu', describe: 'cpu, or cuda[:N]: our CUDA kernels (default rows N64), PyTorch on the same GPU' })
      .option('torch', { type: 'boolean', default: true, describe: 'also time PyTorch channels-last through the oracle venv (if present)' })
      .option('json', { type: 'boolean', default: false }),
  handler: async (argv: { reps: number; warmup: number; passes: string; device: string; json: boolean; torch: boolean }) => {
    const run = addon().benchDwconv as (o: object) => Promise<string>;
    const report = JSON.parse(await run({ reps: argv.reps, warmup: argv.warmup, passes: argv.passes, device: argv.device })) as {
      device: string; peak_gflops: number; peak_formula: string; rows: DwRow[]; torch?: string;
    };
    const python = argv.torch ? oraclePythonPath() : null;
    if (python) {
      const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../scripts/bench/torch_dwconv.py');
      const args = { threads: engineInfo().cpu.threads, reps: argv.reps, warmup: argv.warmup, rows: report.rows, device: argv.device };
      const { stdout } = await promisify(execFile)(python, [script, JSON.stringify(args)], { maxBuffer: 1 << 20 });
      const t = JSON.parse(stdout.trim().split('\n').pop()!) as { torch: string; ms: number[] };
      report.rows.forEach((r, i) => (r.ratio_torch = t.ms[i] / r.ms));
      report.torch = t.torch;
    }
    if (argv.json) {
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      return;
    }
    if (argv.device === 'cpu') process.stdout.write(`measured FMA peak: ${report.peak_gflops.toFixed(1)} GFLOP/s (${engineInfo().cpu.threads} threads)\n`);
    else process.stdout.write(`${report.device}: fp32 peak ${report.peak_gflops.toFixed(0)} GFLOP/s (${report.peak_formula})\n`);
    process.stdout.write(table(report.rows as unknown as Record<string, unknown>[]) + '\n');
  },
};

const attackBench = {
  command: 'attack',
  describe: 'PGD-5 (or APGD-CE) adversarial images/s on our engine beside PyTorch (same model, threads, batch; timm channels-last autograd, or the reference AutoAttack)',
  builder: (y: Argv) =>
    y
      .option('attack', { choices: ['pgd', 'apgd-ce'] as const, default: 'pgd' as const, describe: 'pgd: PGD-steps vs timm autograd; apgd-ce: APGD-CE (steps = iterations) vs the reference AutoAttack' })
      .option('eps', { type: 'string', describe: 'L∞ budget (default 4/255); fractions ok' })
      .option('model', { type: 'string', array: true, default: ['resnet50'], describe: 'one or more model names' })
      .option('batch', { type: 'number', default: 8 })
      .option('size', { type: 'number', describe: "input size (default: the model's)" })
      .option('steps', { type: 'number', default: 5 })
      .option('reps', { type: 'number', default: 3 })
      .option('warmup', { type: 'number', default: 1 })
      .option('torch', { type: 'boolean', default: true, describe: 'also time PyTorch through the oracle venv (if present)' })
      .option('json', { type: 'boolean', default: false }),
  handler: async (argv: { attack: 'pgd' | 'apgd-ce'; eps?: string; model: string[]; batch: number; size?: number; steps: number; reps: number; warmup: number; torch: boolean; json: boolean }) => {
    const m = argv.eps !== undefined ? /^([^/]+)\/([^/]+)$/.exec(argv.eps) : null;
    const eps = argv.eps === undefined ? undefined : m ? Number(m[1]) / Number(m[2]) : Number(argv.eps);
    if (eps !== undefined && !(eps > 0)) throw new RangeError(`--eps: expected a number > 0, received ${argv.eps}`);
    const threads = engineInfo().cpu.threads;
    const python = argv.torch ? oraclePythonPath() : null;
    const rows = [];
    for (const name of argv.model) {
      rows.push(await benchAttack({ attack: argv.attack, eps, model: name, batch: argv.batch, size: argv.size, steps: argv.steps, reps: argv.reps, warmup: argv.warmup, threads, python }));
      if (!argv.json) process.stderr.write(`done ${name}\n`);
    }
    if (argv.json) process.stdout.write(JSON.stringify({ threads, rows }, null, 2) + '\n');
    else process.stdout.write(table(rows as unknown as Record<string, unknown>[]) + '\n' + (python ? '' : '(no oracle venv: PyTorch columns empty)\n'));
  },
};

const analysesBench = {
  command: 'analyses',
  describe: "Images/s of each analysis's per-batch work (occlusion, lesion, frequency, feature variance, ERF) on one batch, beside a plain forward; how many engine calls a batch takes and the share of time inside them",
  builder: (y: Argv) =>
    y
      .option('model', { type: 'string', default: 'resnet50', describe: 'model name (random weights)' })
      .option('batch', { type: 'number', default: 32 })
      .option('size', { type: 'number', describe: "input size (default: the model's)" })
      .option('analyses', { type: 'string', default: BENCH_ANALYSES.join(','), describe: `comma-separated subset of: ${BENCH_ANALYSES.join(', ')}` })
      .option('reps', { type: 'number', default: 1, describe: 'timed runs per analysis (the median is reported)' })
      .option('warmup', { type: 'number', default: 1, describe: 'untimed forwards first' })
      .option('json', { type: 'boolean', default: false })
      .check((a) => {
        const bad = String(a.analyses).split(',').filter((s) => !(BENCH_ANALYSES as readonly string[]).includes(s.trim()));
        if (bad.length) return `unknown analysis ${bad.map((b) => `"${b}"`).join(', ')}: choose from ${BENCH_ANALYSES.join(', ')}`;
        return true;
      }),
  handler: async (argv: { model: string; batch: number; size?: number; analyses: string; reps: number; warmup: number; json: boolean }) => {
    const analyses = argv.analyses.split(',').map((s) => s.trim()) as BenchAnalysis[];
    const rows = await benchAnalyses({
      model: argv.model, batch: argv.batch, size: argv.size, reps: argv.reps, warmup: argv.warmup, analyses,
      onRow: argv.json ? undefined : (r) => process.stderr.write(`${r.analysis}: ${r.skipped ? `skipped (${r.skipped})` : `${r.images_per_second.toFixed(2)} img/s`}\n`),
    });
    if (argv.json) process.stdout.write(JSON.stringify({ threads: engineInfo().cpu.threads, rows }, null, 2) + '\n');
    else process.stdout.write(table(rows as unknown as Record<string, unknown>[]) + '\n');
  },
};

const trainBench = {
  command: 'train',
  describe: 'Training images/s (train-mode forward, loss, backward, fused optimiser step) beside PyTorch (same model, threads, batch, channels-last)',
  builder: (y: Argv) =>
    y
      .option('model', { type: 'string', default: 'convnext_tiny', describe: 'registry name' })
      .option('config', { type: 'string', default: '{"depths":[1,1,3,1],"dims":[32,64,128,256]}', describe: 'graph config keys as JSON (a small configuration)' })
      .option('batch', { type: 'number', default: 64 })
      .option('size', { type: 'number', default: 32 })
      .option('optimizer', { type: 'string', default: 'adamw', choices: ['adamw', 'sgd'] })
      .option('reps', { type: 'number', default: 5 })
      .option('warmup', { type: 'number', default: 2 })
      .option('torch', { type: 'boolean', default: true, describe: 'also time PyTorch through the oracle venv (if present)' })
      .option('json', { type: 'boolean', default: false })
      .example('$0 bench train --model convnext_tiny --batch 64', 'the small ConvNeXt at 32x32')
      .example(`$0 bench train --model resnet50 --config '{"layers":[1,1,1,1]}' --optimizer sgd`, 'a small ResNet with SGD'),
  handler: async (argv: { model: string; config: string; batch: number; size: number; optimizer: 'adamw' | 'sgd'; reps: number; warmup: number; torch: boolean; json: boolean }) => {
    const threads = engineInfo().cpu.threads;
    const python = argv.torch ? oraclePythonPath() : null;
    let config: Record<string, number | number[] | string>;
    try {
      config = JSON.parse(argv.config) as Record<string, number | number[] | string>;
    } catch (e) {
      throw Object.assign(new RangeError(`--config: not JSON (${(e as Error).message})`), { code: 'LKR_ARG' });
    }
    const row = await benchTrain({ name: argv.model, config, batch: argv.batch, size: argv.size, reps: argv.reps, warmup: argv.warmup, threads, optimizer: argv.optimizer, python });
    if (argv.json) process.stdout.write(JSON.stringify({ threads, rows: [row] }, null, 2) + '\n');
    else process.stdout.write(table([row] as unknown as Record<string, unknown>[]) + '\n' + (python ? '' : '(no oracle venv: PyTorch columns empty)\n'));
  },
};

export const benchCommand = {
  command: 'bench <what>',
  describe: 'Benchmarks: model throughput vs PyTorch, the data loader vs the engine, kernels vs oneDNN, attacks, analyses, corruptions',
  builder: (y: Argv) => y.command(dwconvBench as never).command(modelBench as never).command(loaderBench as never).command(attackBench as never).command(analysesBench as never).command(corruptBench as never).command(trainBench as never).demandCommand(1),
  handler: () => {},
};
