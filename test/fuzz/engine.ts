// The fuzz loop: input i of a run is a pure function of (seed, i) — which format, generated or mutated, and
// how — so any input the supervisor reports can be rebuilt exactly. Each outcome is 'ok' (read), 'named' (an
// LKR_ error naming the file) or 'crash' (anything else: a stack-trace error, a TypeError, a RangeError).
import { mulberry32 } from '../../src/util/rng.js';
import { isNamedError } from '../../src/util/lkr_error.js';
import { mutate, pick, type Rng } from './mutate.js';
import type { Target } from './targets.js';

export type Verdict = 'ok' | 'named' | 'crash';

export interface Input {
  index: number;
  target: Target;
  bytes: Buffer;
  rng: Rng;
  file: string;
}

function inputRng(seed: number, index: number): Rng {
  return mulberry32(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35));
}

export function makeInput(targets: readonly Target[], seed: number, index: number): Input {
  const rng = inputRng(seed, index);
  const total = targets.reduce((a, t) => a + t.weight, 0);
  let r = rng() * total;
  const target = targets.find((t) => (r -= t.weight) < 0) ?? targets[targets.length - 1];
  const how = rng();
  let bytes: Buffer;
  if (how < 0.4) bytes = target.generate(rng);
  else if (how < 0.8) bytes = mutate(rng, pick(rng, target.seeds), pick(rng, target.seeds));
  else bytes = mutate(rng, target.generate(rng), pick(rng, target.seeds));
  return { index, target, bytes, rng, file: `fuzz-${target.name}-${index}` };
}

export async function runInput(input: Input): Promise<{ verdict: Verdict; detail: string }> {
  try {
    await input.target.run(input.bytes, input.file, input.rng);
    return { verdict: 'ok', detail: '' };
  } catch (e) {
    if (isNamedError(e) && e.message.includes(input.file)) return { verdict: 'named', detail: e.code };
    const err = e as Error;
    return { verdict: 'crash', detail: `${err?.name}: ${String(err?.message).slice(0, 300)}\n${String(err?.stack).split('\n').slice(1, 6).join('\n')}` };
  }
}

export interface RunStats {
  inputs: number;
  byTarget: Record<string, { inputs: number; ok: number; named: number; crash: number }>;
  crashes: { index: number; target: string; detail: string; bytes: Buffer }[];
  slowest: { ms: number; index: number; target: string };
}

/** Inputs [from, to) of a run, or until `deadline` (ms since epoch); `onEach` sees every index before it runs. */
export async function runRange(
  targets: readonly Target[],
  seed: number,
  from: number,
  to: number,
  opts: { deadline?: number; onEach?: (index: number) => void; onProgress?: (s: RunStats) => void } = {},
): Promise<RunStats> {
  const stats: RunStats = { inputs: 0, byTarget: {}, crashes: [], slowest: { ms: 0, index: -1, target: '' } };
  for (const t of targets) stats.byTarget[t.name] = { inputs: 0, ok: 0, named: 0, crash: 0 };
  let lastProgress = Date.now();
  for (let i = from; i < to; i++) {
    if (opts.deadline !== undefined && (i & 63) === 0 && Date.now() > opts.deadline) break;
    opts.onEach?.(i);
    const started = performance.now();
    const input = makeInput(targets, seed, i);
    const { verdict, detail } = await runInput(input);
    const ms = performance.now() - started;
    if (ms > stats.slowest.ms) stats.slowest = { ms, index: i, target: input.target.name };
    const b = stats.byTarget[input.target.name];
    b.inputs++;
    b[verdict]++;
    stats.inputs++;
    if (verdict === 'crash') stats.crashes.push({ index: i, target: input.target.name, detail, bytes: input.bytes });
    if (opts.onProgress && Date.now() - lastProgress > 1000) {
      opts.onProgress(stats);
      lastProgress = Date.now();
    }
  }
  return stats;
}
