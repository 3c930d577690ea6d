// The oracle venv's python for benchmark anchors (PyTorch), or null.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function oraclePythonPath(): string | null {
  const candidates = [
    process.env.LKR_ORACLE_PYTHON,
    process.env.LKR_ORACLE_DIR && path.join(process.env.LKR_ORACLE_DIR, 'bin', 'python'),
    path.join(os.homedir(), '.cache', 'lkrobust-oracle', 'bin', 'python'),
  ];
  for (const c of candidates) if (c && existsSync(c)) return c;
  return null;
}
