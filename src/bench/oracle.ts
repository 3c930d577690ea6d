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
 * glibc settings for the anchor's process: keep freed memory in the process instead of returning it to the
 * kernel, as our caching host allocator does (native/core/host_allocator.h). PyTorch's CPU allocator has no cache
 * of its own, so without these its eager forward (which frees each activation at once) re-faults its memory on
 * every pass: on the 2-core VM of docs/PERFORMANCE.md its ResNet-50 forward ran 2-3x slower, slower than its
 * own input gradient. A user's own setting wins.
 */
const ANCHOR_MALLOC: Record<string, string> = {
  MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? String(4 * 1024 ** 3),
  MALLOC_TRIM_THRESHOLD_: process.env.MALLOC_TRIM_THRESHOLD_ ?? String(64 * 1024 ** 3),
  MALLOC_TOP_PAD_: process.env.MALLOC_TOP_PAD_ ?? String(1024 ** 3),
};

/**
 * Runs one PyTorch anchor script (scripts/bench/*.py) with its JSON argument and returns the JSON object on the
 * last line of its output. A failing script is an LkrError naming the script and its last error line (the
 * anchor's own message, e.g. timm refusing a config), not an internal error.
 */
export async function runAnchor<T>(python: string, script: string, args: unknown): Promise<T> {
  let stdout: string;
  try {
    ({ stdout } = await run(python, [script, JSON.stringify(args)], { maxBuffer: 1 << 20, env: { ...process.env, ...ANCHOR_MALLOC } }));
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
