// Generated checkpoints for download tests: real .safetensors files (our writer) with seeded random tensors.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { writeSafetensors } from '../../src/models/checkpoint/index.js';
import { mulberry32 } from '../../src/util/rng.js';

const made: string[] = [];
process.once('exit', () => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A temporary folder, removed when the test process exits. */
export function tmpDir(prefix = 'lkr-weights-'): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(d);
  return d;
}

/** A safetensors checkpoint of about `floats` × 4 bytes, as bytes. */
export function checkpointBytes(floats: number, seed = 1): Buffer {
  const r = mulberry32(seed);
  const data = new Float32Array(floats);
  for (let i = 0; i < floats; i++) data[i] = r() - 0.5;
  const file = path.join(tmpDir(), 'ck.safetensors');
  writeSafetensors(file, new Map([['layer.weight', { shape: [floats], data }]]));
  return readFileSync(file);
}

/** An environment whose caches all live under `root` (nothing of the user's is read or written). */
export function isolatedEnv(root: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LKR_HOME: path.join(root, 'lkr'), TORCH_HOME: path.join(root, 'torch'), HF_HOME: path.join(root, 'hf'), XDG_CACHE_HOME: path.join(root, 'xdg'), ...extra };
  for (const k of ['HF_HUB_CACHE', 'HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'ALL_PROXY', 'all_proxy', 'NO_PROXY', 'no_proxy', 'LKR_WEIGHTS_INDEX']) if (!(k in extra)) delete env[k];
  return env;
}
