// Finds a checkpoint already on this machine without any network request: our cache, the PyTorch hub cache
// (`<TORCH_HOME>/hub/checkpoints/<file>`), and the Hugging Face hub cache
// (`<HF cache>/models--<org>--<name>/snapshots/<commit>/<file>`, a link to `blobs/<sha256>` for LFS files).
import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

import type { OfficialWeights } from '../models/official_weights.js';
import { hfHubCache, ownWeightsDir, torchHubCheckpoints } from './cache_dirs.js';

export type CacheKind = 'lkrobust' | 'torch-hub' | 'huggingface';

export interface LocalCopy {
  path: string;
  where: CacheKind;
  /** The sha256 the cache layout itself states (HF blob name), if any. */
  statedSha256?: string;
}

/** Our cache keeps each file under <model>/<tag>/<file>. */
export function ownPath(w: OfficialWeights, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(ownWeightsDir(env), w.model, w.tag, w.file);
}

const isFile = (p: string) => existsSync(p) && statSync(p).isFile();

function hfSnapshot(w: OfficialWeights, env: NodeJS.ProcessEnv): LocalCopy | null {
  if (!w.hf) return null;
  const repoDir = path.join(hfHubCache(env), `models--${w.hf.repo.replace(/\//g, '--')}`);
  if (!existsSync(repoDir)) return null;
  const snapshots = path.join(repoDir, 'snapshots');
  const ref = path.join(repoDir, 'refs', w.hf.revision);
  // The revision's commit first (refs/<revision>), then any snapshot holding the file.
  const commits: string[] = [];
  if (isFile(ref)) commits.push(readFileSync(ref, 'utf8').trim());
  if (/^[0-9a-f]{40}$/.test(w.hf.revision)) commits.push(w.hf.revision);
  if (existsSync(snapshots)) for (const c of readdirSync(snapshots).sort()) if (!commits.includes(c)) commits.push(c);
  for (const c of commits) {
    const p = path.join(snapshots, c, w.hf.file);
    if (!isFile(p)) continue;
    let stated: string | undefined;
    try {
      const target = path.basename(readlinkSync(p));
      if (/^[0-9a-f]{64}$/.test(target)) stated = target;
    } catch {
      // a plain file (HF on Windows, or copied): no stated hash
    }
    return { path: realpathSync(p), where: 'huggingface', ...(stated ? { statedSha256: stated } : {}) };
  }
  return null;
}

export function findLocal(w: OfficialWeights, env: NodeJS.ProcessEnv = process.env): LocalCopy | null {
  const own = ownPath(w, env);
  if (isFile(own)) return { path: own, where: 'lkrobust' };
  const hub = path.join(torchHubCheckpoints(env), w.file);
  // A generic HF file name (model.safetensors) says nothing about which model it is: not looked up there.
  if (!w.hf && isFile(hub)) return { path: hub, where: 'torch-hub' };
  return hfSnapshot(w, env);
}
