// The PyTorch oracle: the Python venv built by ../shared/oracle/setup.sh. Tests that need it skip, with a
// message, when it is absent. Arrays travel as .npy files in a temporary folder.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { oraclePythonPath } from '../../src/bench/oracle.js';
import { readNpy, writeNpy } from '../../src/data/npy.js';

const run = promisify(execFile);

export const ORACLE_SKIP = 'oracle venv absent: run bash ../shared/oracle/setup.sh (or set LKR_ORACLE_PYTHON)';

/** The oracle's python, or null: $LKR_ORACLE_PYTHON, else $LKR_ORACLE_DIR/bin/python, else ~/.cache/lkrobust-oracle. */
export function oraclePython(): string | null {
  return oraclePythonPath();
}

export interface Arr {
  shape: number[];
  data: Float32Array | Float64Array;
}

/**
 * Runs `python script dir`: the script reads dir/cases.json and dir/<name>.npy, writes dir/out_<name>.npy.
 * Returns every out_* array by name (without the prefix), as float32 or float64 as written.
 */
export async function runOracle(script: string, cases: unknown, arrays: Record<string, Arr>): Promise<Record<string, Arr>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lkr-oracle-'));
  try {
    return await runOracleIn(dir, script, cases, arrays);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** As runOracle, in a folder the caller owns (for scripts that also write files such as checkpoints). */
export async function runOracleIn(dir: string, script: string, cases: unknown, arrays: Record<string, Arr> = {}): Promise<Record<string, Arr>> {
  const py = oraclePython();
  if (!py) throw new Error(ORACLE_SKIP);
  writeFileSync(path.join(dir, 'cases.json'), JSON.stringify(cases));
  for (const [name, a] of Object.entries(arrays)) writeNpy(path.join(dir, `${name}.npy`), a.shape, a.data);
  await run(py, [script, dir], { maxBuffer: 64 << 20, env: { ...process.env, OMP_NUM_THREADS: '2' } });
  const out: Record<string, Arr> = {};
  for (const f of readdirSync(dir)) {
    if (f.startsWith('out_') && f.endsWith('.npy')) out[f.slice(4, -4)] = readNpy(path.join(dir, f));
  }
  return out;
}
