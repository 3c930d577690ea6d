// The oracle venv's python for benchmark anchors (PyTorch), or null.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import type { Model } from '../models/model.js';
import { LkrError } from '../util/lkr_error.js';

const run = promisify(execFile);

export function oraclePythonPath(): string | null {
  const candidates = [
    process.env.LKR_ORACLE_PYTHON,
    process.env.LKR_ORACLE_DIR && path.join(process.env.LKR_ORACLE_DIR, 'bin', 'python'),
    path.join(os.homedir(), '.cache', 'lkrobust-oracle', 'bin', 'python'),
  ];
  for (const c of candidates) if (c && existsSync(c)) return c;
  return null;
}

/**
 * Runs one PyTorch anchor script (scripts/bench/*.py) with its JSON argument and returns the JSON object on the
 * last line of its output. A failing script is an LkrError naming the script and its last error line (the
 * anchor's own message, e.g. timm refusing a config), not an internal error.
 */
export async function runAnchor<T>(python: string, script: string, args: unknown): Promise<T> {
  let stdout: string;
  try {
    ({ stdout } = await run(python, [script, JSON.stringify(args)], { maxBuffer: 1 << 20 }));
  } catch (e) {
    const stderr = String((e as { stderr?: unknown }).stderr ?? '').trim().split('\n').filter(Boolean);
    const why = stderr.length ? stderr[stderr.length - 1] : (e as Error).message;
    throw new LkrError('LKR_BENCH_ANCHOR', `the PyTorch anchor ${path.basename(script)} failed (${python}): ${why}`);
  }
  const last = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new LkrError('LKR_BENCH_ANCHOR', `the PyTorch anchor ${path.basename(script)} printed no JSON result: ${JSON.stringify(last.slice(0, 200))}`);
  }
}

/**
 * Refuses a comparison with a different model: the anchor reports how many weights and statistics its model has
 * (scripts/bench/torch_build.py state_numel, checkpoint entries before any fusion) and ours must have as many.
 */
export function checkSameModel(model: Model, anchorNumel: number, script: string): void {
  const ours = model.paramSpecs().reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
  if (anchorNumel !== ours) {
    throw new LkrError('LKR_BENCH_ANCHOR', `the PyTorch anchor ${script} built another model than ours: ${anchorNumel} weights and statistics against our ${ours} (${model.name}, config ${JSON.stringify(model.config)})`);
  }
}
