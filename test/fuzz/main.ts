// `npm run fuzz -- --minutes N [--seed S]`: the long fuzz run. A supervisor forks a worker process that runs
// inputs seed:0, seed:1, ... (each rebuilt exactly from its index, engine.ts). The worker writes the index it
// is on to a file before each input and reports progress every second; when it goes silent for more than
// 10 s (a hang) or dies (a native crash), the supervisor rebuilds that input, saves it under
// test/fuzz/crashes/, and starts a new worker after it. Prints and writes (--summary) the figures:
// inputs per format, crashes, hangs, slowest input, peak RSS.
import { fork } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { makeInput, runRange, type RunStats } from './engine.js';
import { makeTargets } from './targets.js';

const HANG_MS = 10_000;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

interface Progress {
  type: 'ready' | 'progress' | 'done';
  stats: Omit<RunStats, 'crashes'>;
  crashes: { index: number; target: string; detail: string; bytes: string }[];
  maxRssKb: number;
}

async function child(): Promise<void> {
  const seed = Number(arg('seed', '1'));
  const from = Number(arg('from', '0'));
  const deadline = Number(arg('deadline', '0'));
  const fd = openSync(arg('index-file', ''), 'w');
  const at = Buffer.alloc(8);
  const targets = await makeTargets();
  let sent = 0;
  const report = (type: Progress['type'], s: RunStats) => {
    const crashes = s.crashes.slice(sent).map((c) => ({ ...c, bytes: c.bytes.toString('base64') }));
    sent = s.crashes.length;
    const msg: Progress = { type, stats: { inputs: s.inputs, byTarget: s.byTarget, slowest: s.slowest }, crashes, maxRssKb: process.resourceUsage().maxRSS };
    process.send!(msg);
  };
  // Starting (compiling, loading sharp and the addon) can take seconds on a busy machine: not a hang.
  process.send!({ type: 'ready', stats: { inputs: 0, byTarget: {}, slowest: { ms: 0, index: -1, target: '' } }, crashes: [], maxRssKb: 0 });
  const stats = await runRange(targets, seed, from, Number.MAX_SAFE_INTEGER, {
    deadline,
    onEach: (i) => {
      at.writeDoubleLE(i);
      writeSync(fd, at, 0, 8, 0);
    },
    onProgress: (s) => report('progress', s),
  });
  report('done', stats);
  closeSync(fd);
  process.disconnect();
}

async function supervise(): Promise<void> {
  const minutes = Number(arg('minutes', '1'));
  const seed = Number(arg('seed', '1'));
  const crashDir = path.resolve(arg('crash-dir', fileURLToPath(new URL('./crashes/', import.meta.url))));
  const summaryFile = arg('summary', '');
  const deadline = Date.now() + minutes * 60_000;
  const indexFile = path.join(os.tmpdir(), `lkr-fuzz-index-${process.pid}`);
  const targets = await makeTargets();
  const totals: Record<string, { inputs: number; ok: number; named: number; crash: number }> = {};
  const crashes: { index: number; target: string; kind: 'crash' | 'hang' | 'died'; detail: string }[] = [];
  let slowest = { ms: 0, index: -1, target: '' };
  let maxRssKb = 0;
  let from = 0;
  const started = Date.now();
  const save = (index: number, target: string, bytes: Buffer) => {
    mkdirSync(crashDir, { recursive: true });
    writeFileSync(path.join(crashDir, `${target}-seed${seed}-${index}.bin`), bytes);
  };
  while (Date.now() < deadline) {
    const worker = fork(fileURLToPath(import.meta.url), ['--child', '--seed', String(seed), '--from', String(from), '--deadline', String(deadline), '--index-file', indexFile], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let last: Progress['stats'] | null = null;
    let lastHeard = Date.now();
    let ready = false;
    const outcome = await new Promise<'done' | 'hang' | 'died'>((resolve) => {
      const timer = setInterval(() => {
        if (ready && Date.now() - lastHeard > HANG_MS + 1000) {
          clearInterval(timer);
          worker.kill('SIGKILL');
          resolve('hang');
        }
      }, 500);
      worker.on('message', (m: Progress) => {
        lastHeard = Date.now();
        ready = true;
        if (m.type === 'ready') return;
        last = m.stats;
        maxRssKb = Math.max(maxRssKb, m.maxRssKb);
        for (const c of m.crashes) {
          crashes.push({ index: c.index, target: c.target, kind: 'crash', detail: c.detail });
          save(c.index, c.target, Buffer.from(c.bytes, 'base64'));
        }
        if (m.type === 'done') {
          clearInterval(timer);
          resolve('done');
        }
      });
      worker.on('exit', (code, signal) => {
        clearInterval(timer);
        resolve(code === 0 && signal === null ? 'done' : 'died');
      });
    });
    const s = last as Progress['stats'] | null;
    if (s) {
      for (const [name, b] of Object.entries(s.byTarget)) {
        const t = (totals[name] ??= { inputs: 0, ok: 0, named: 0, crash: 0 });
        t.inputs += b.inputs;
        t.ok += b.ok;
        t.named += b.named;
        t.crash += b.crash;
      }
      if (s.slowest.ms > slowest.ms) slowest = s.slowest;
    }
    if (outcome === 'done') break;
    if (!ready) throw new Error('the fuzz worker died while starting');
    // The input it was on when it hung or died: rebuild, keep, and go on after it.
    const index = readFileSync(indexFile).readDoubleLE(0);
    const input = makeInput(targets, seed, index);
    crashes.push({ index, target: input.target.name, kind: outcome, detail: outcome === 'hang' ? `silent for over ${HANG_MS} ms` : 'worker process died' });
    save(index, input.target.name, input.bytes);
    const t = (totals[input.target.name] ??= { inputs: 0, ok: 0, named: 0, crash: 0 });
    t.inputs++;
    t.crash++;
    from = index + 1;
  }
  const inputs = Object.values(totals).reduce((a, t) => a + t.inputs, 0);
  const summary = {
    command: `npm run fuzz -- --minutes ${minutes} --seed ${seed}`,
    seconds: Math.round((Date.now() - started) / 1000),
    inputs,
    byFormat: totals,
    crashes: crashes.filter((c) => c.kind !== 'hang').length,
    hangs: crashes.filter((c) => c.kind === 'hang').length,
    failures: crashes,
    slowestInputMs: Math.round(slowest.ms),
    slowestInput: slowest,
    peakRssMbWorker: Math.round(maxRssKb / 1024),
    peakRssMbSupervisor: Math.round(process.resourceUsage().maxRSS / 1024),
    machine: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`,
  };
  process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  if (summaryFile) writeFileSync(summaryFile, JSON.stringify(summary, null, 2) + '\n');
  process.exitCode = summary.crashes + summary.hangs > 0 ? 1 : 0;
}

await (process.argv.includes('--child') ? child() : supervise());
