// Runs a suite's cells in order, one at a time, each into its own run folder (`<out>/cells/<id>`), so that a
// rerun after a kill keeps every finished cell and resumes the interrupted one from its own journal. The plan is
// the folder's identity (`suite-plan.json`): a rerun with another plan is refused. Events go to suite-log.jsonl.
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { PlannedCell } from './plan.js';
import { inShard, SuiteError } from './plan.js';

export type CellStatus = 'done' | 'skipped' | 'failed' | 'stopped' | 'other-shard';

export interface CellOutcome {
  id: string;
  status: CellStatus;
  reason?: string;
}

export interface SuiteIdentity {
  preset: string | null;
  cells: PlannedCell[];
}

/** Why a cell cannot run here (data or weights not given), or null. */
export type Precheck = (cell: PlannedCell) => string | null;
export type CellRunner = (cell: PlannedCell, dir: string) => Promise<void>;

export const cellDir = (out: string, id: string) => path.join(out, 'cells', id);

/** A finished cell: its results.json exists and says complete (or has no such flag). */
export function finishedResults(dir: string): Record<string, unknown> | null {
  const f = path.join(dir, 'results.json');
  if (!existsSync(f)) return null;
  try {
    const r = JSON.parse(readFileSync(f, 'utf8')) as Record<string, unknown>;
    return r.complete === false ? null : r;
  } catch {
    return null;
  }
}

function writeAtomic(file: string, text: string) {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

export function openSuiteDir(out: string, identity: SuiteIdentity, shard?: { index: number; count: number }): void {
  mkdirSync(out, { recursive: true });
  const planFile = path.join(out, 'suite-plan.json');
  const text = JSON.stringify(identity, null, 2) + '\n';
  if (existsSync(planFile)) {
    if (readFileSync(planFile, 'utf8') !== text) {
      throw new SuiteError('LKR_SUITE_PLAN', `${out} holds a suite with a different plan (${planFile}); use another --out, or delete the folder to start over`);
    }
  } else {
    writeAtomic(planFile, text);
  }
  const shardFile = path.join(out, 'suite-shard.json');
  const shardText = JSON.stringify(shard ?? null) + '\n';
  if (existsSync(shardFile) && readFileSync(shardFile, 'utf8') !== shardText) {
    throw new SuiteError('LKR_SUITE_PLAN', `${out} holds shard ${readFileSync(shardFile, 'utf8').trim()}, not ${shardText.trim()}; give each shard its own --out`);
  }
  writeAtomic(shardFile, shardText);
}

export function logEvent(out: string, event: Record<string, unknown>): void {
  appendFileSync(path.join(out, 'suite-log.jsonl'), JSON.stringify({ time: new Date().toISOString(), pid: process.pid, ...event }) + '\n');
}

export async function runCells(
  cells: PlannedCell[],
  out: string,
  o: { precheck: Precheck; run: CellRunner; shard?: { index: number; count: number }; shouldStop?: () => boolean; log?: (s: string) => void },
): Promise<CellOutcome[]> {
  const outcomes: CellOutcome[] = [];
  const log = o.log ?? (() => {});
  const mine = cells.filter((_, i) => inShard(i, o.shard)).length;
  let k = 0;
  let stopped = false;
  for (const [i, cell] of cells.entries()) {
    if (!inShard(i, o.shard)) {
      outcomes.push({ id: cell.id, status: 'other-shard' });
      continue;
    }
    k++;
    const dir = cellDir(out, cell.id);
    const why = o.precheck(cell);
    if (why) {
      outcomes.push({ id: cell.id, status: 'skipped', reason: why });
      log(`[${k}/${mine}] ${cell.id}: skipped (${why})`);
      continue;
    }
    if (finishedResults(dir)) {
      outcomes.push({ id: cell.id, status: 'done' });
      log(`[${k}/${mine}] ${cell.id}: done earlier, kept`);
      continue;
    }
    if (stopped || o.shouldStop?.()) {
      outcomes.push({ id: cell.id, status: 'stopped' });
      continue;
    }
    log(`[${k}/${mine}] ${cell.id}: running`);
    logEvent(out, { cell: cell.id, event: 'start' });
    try {
      await o.run(cell, dir);
      const done = finishedResults(dir) !== null;
      outcomes.push({ id: cell.id, status: done ? 'done' : 'stopped' });
      // A cell that returns unfinished was asked to stop (Ctrl-C): the rest wait for the rerun.
      if (!done) stopped = true;
      logEvent(out, { cell: cell.id, event: done ? 'done' : 'stopped' });
    } catch (e) {
      const reason = (e as Error).message;
      outcomes.push({ id: cell.id, status: 'failed', reason });
      logEvent(out, { cell: cell.id, event: 'failed', reason });
      log(`[${k}/${mine}] ${cell.id}: failed: ${reason}`);
    }
  }
  return outcomes;
}
