// Joining the run folders of `attack --shard i/n` and `analyze <per-batch analysis> --shard i/n` (eval's shards
// are joined in src/cli/commands/merge.ts): the n folders must be the same run but for the shard, all n of them,
// each finished. Attack rows are recomputed from the per-image journal records, so every rate (including the one
// conditioned on clean-correct images) is exact; analysis rows sum their (n, correct) counts per setting, and the
// clean accuracy the drops are taken against comes from the journals' clean scores.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { parseShard } from '../data/select.js';
import { RunDir } from '../report/run_dir.js';
import type { AttackRecord } from './attacks/run.js';
import { type AttackPlan, summarizeAttack } from './attacks/run.js';
import type { BatchScores } from './analyses/per_batch.js';

export interface ShardRun {
  dir: string;
  config: Record<string, unknown> & { shard: string | null };
  results: Record<string, unknown> & { complete: boolean; failed_images: { path: string; error: string }[] };
}

export function readShardRun(dir: string): ShardRun {
  const cfg = path.join(dir, 'run-config.json');
  const res = path.join(dir, 'results.json');
  if (!existsSync(cfg) || !existsSync(res)) throw new RangeError(`${dir}: not a finished run folder (needs run-config.json and results.json)`);
  return { dir, config: JSON.parse(readFileSync(cfg, 'utf8')), results: JSON.parse(readFileSync(res, 'utf8')) };
}

/** Refuses anything but the n finished shards 0/n … n−1/n of one run; returns the shards in the given order. */
export function checkShardSet(runs: ShardRun[], command: string) {
  if (!runs.length) throw new RangeError('merge: name the shard run folders');
  const strip = (c: Record<string, unknown>) => JSON.stringify({ ...c, shard: null });
  const odd = runs.find((r) => strip(r.config) !== strip(runs[0].config));
  if (odd) throw new RangeError(`${odd.dir}: a different model, weights, settings or data than ${runs[0].dir}; only shards of one run merge`);
  const shards = runs.map((r) => (r.config.shard ? parseShard(r.config.shard) : null));
  if (shards.some((s) => !s)) throw new RangeError(`merge: every folder must come from \`${command} --shard i/n\``);
  const n = shards[0]!.count;
  const seen = new Set(shards.map((s) => s!.index));
  if (shards.some((s) => s!.count !== n) || seen.size !== n || runs.length !== n) {
    throw new RangeError(`merge: expected the ${n} distinct shards 0/${n} … ${n - 1}/${n}, received ${runs.map((r) => r.config.shard).join(', ')}`);
  }
  const incomplete = runs.filter((r) => !r.results.complete);
  if (incomplete.length) throw new RangeError(`merge: ${incomplete.map((r) => r.dir).join(', ')} did not finish; rerun them to resume first`);
  return shards.map((s) => s!);
}

function journalLines<R>(r: ShardRun) {
  return [...new RunDir<R>(r.dir, r.config).done().values()];
}

const mergedConfig = (runs: ShardRun[]) => ({ ...runs[0].config, shard: null, merged_from: runs.map((r) => path.resolve(r.dir)) });

/** The attack plan a run's config describes (what summarizeAttack needs). */
function planOf(c: Record<string, unknown>): AttackPlan {
  return {
    attack: c.attack as AttackPlan['attack'],
    eps: c.eps as number[],
    epsPixel: c.eps_pixel as number[][],
    alphaPixel: (c.alpha_pixel as number[][] | null) ?? null,
    steps: c.steps as number[],
    randomStart: Boolean(c.random_start),
    seed: c.seed as number,
    points: (c.taig_points as number | null) ?? 0,
    pointsPerCall: 0,
    epsSpace: c.eps_space as AttackPlan['epsSpace'],
  };
}

export function mergeAttackShards(runs: ShardRun[]) {
  checkShardSet(runs, 'attack');
  const records: AttackRecord[] = [];
  const failed: { path: string; error: string }[] = [];
  runs.forEach((r, k) => {
    for (const line of journalLines<AttackRecord>(r)) {
      // Record ids are per shard; offset them so the union keeps one entry per image.
      for (const rec of line.records) records.push({ ...rec, u: rec.u * runs.length + k });
      failed.push(...line.failed);
    }
  });
  const cfg = runs[0].config;
  const targets = cfg.surrogate ? (cfg.models as string[]) : null;
  const rows = summarizeAttack(records, planOf(cfg), targets);
  const first = runs[0].results;
  return {
    ...first,
    rows,
    config: mergedConfig(runs),
    complete: true,
    images: records.length,
    failed_images: failed,
    data: { ...(first.data as object), images: runs.reduce((s, r) => s + ((r.results.data as { images: number }).images ?? 0), 0) },
    timing: null,
  };
}

type AccuracyRow = Record<string, unknown> & { n: number; correct: number; accuracy: number | null; drop: number | null };

export function mergeAnalysisShards(runs: ShardRun[]) {
  checkShardSet(runs, 'analyze');
  let clean = { n: 0, correct: 0 };
  const failed: { path: string; error: string }[] = [];
  for (const r of runs) {
    for (const line of journalLines<{ scores: BatchScores }>(r)) {
      const c = line.records[0]?.scores.clean ?? [];
      clean = { n: clean.n + c.length, correct: clean.correct + c.reduce((a, b) => a + b, 0) };
      failed.push(...line.failed);
    }
  }
  // Rows are identified by their descriptive fields (mode/ratio, n/sample/fraction, band).
  const merged = new Map<string, AccuracyRow>();
  for (const r of runs) {
    for (const row of r.results.rows as AccuracyRow[]) {
      const { n, correct, accuracy: _a, drop: _d, ...id } = row;
      const key = JSON.stringify(id);
      const m = merged.get(key) ?? { ...id, n: 0, correct: 0, accuracy: null, drop: null };
      m.n += n;
      m.correct += correct;
      merged.set(key, m);
    }
  }
  const cleanAcc = clean.n ? clean.correct / clean.n : null;
  const rows = [...merged.values()].map((m) => {
    const accuracy = m.n ? m.correct / m.n : null;
    return { ...m, accuracy, drop: accuracy !== null && cleanAcc !== null ? accuracy - cleanAcc : null };
  });
  const first = runs[0].results as unknown as Record<string, unknown> & { summary: Record<string, unknown> };
  return {
    ...first,
    config: first.config,
    merged_from: runs.map((r) => path.resolve(r.dir)),
    rows,
    summary: { ...first.summary, clean_accuracy: cleanAcc, images: clean.n },
    complete: true,
    failed_images: failed,
    timing: null,
  };
}
