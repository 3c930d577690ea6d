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

const recordFile = () => path.join(ownWeightsDir(), 'recorded_sha256.json');

export function recordedHashes(): Record<string, { sha256: string; url: string; recorded: string }> {
  const f = recordFile();
  if (!existsSync(f)) return {};
  try {
    return JSON.parse(readFileSync(f, 'utf8'));
  } catch {
    return {};
  }
}

export function recordHash(key: string, sha256: string, url: string): void {
  const all = recordedHashes();
  all[key] = { sha256, url, recorded: new Date().toISOString() };
  mkdirSync(path.dirname(recordFile()), { recursive: true });
  const tmp = `${recordFile()}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(all, null, 2) + '\n');
  renameSync(tmp, recordFile());
}
