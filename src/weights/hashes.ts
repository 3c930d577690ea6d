// sha256 of files: computed by streaming, and recorded per (model, tag) in our cache on first download so that
// weights without a publisher-stated hash are still checked on every later use (trust on first use).
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { ownWeightsDir } from './cache_dirs.js';

export function sha256OfFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

const recordFile = (env: NodeJS.ProcessEnv = process.env) => path.join(ownWeightsDir(env), 'recorded_sha256.json');

export function recordedHashes(env: NodeJS.ProcessEnv = process.env): Record<string, { sha256: string; url: string; recorded: string }> {
  const f = recordFile(env);
  if (!existsSync(f)) return {};
  try {
    return JSON.parse(readFileSync(f, 'utf8'));
  } catch {
    return {};
  }
}

export function recordHash(key: string, sha256: string, url: string, env: NodeJS.ProcessEnv = process.env): void {
  const file = recordFile(env);
  const all = recordedHashes(env);
  all[key] = { sha256, url, recorded: new Date().toISOString() };
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(all, null, 2) + '\n');
  renameSync(tmp, file);
}
