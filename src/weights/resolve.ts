// From an official entry to a verified file on disk: a copy already on this machine (no request made), else a
// download into our cache. Every file is checked before use: the publisher's hash where one is stated, else the
// sha256 recorded at its first download.
import type { OfficialWeights } from '../models/official_weights.js';
import { type DownloadOptions, downloadFile } from './download.js';
import { WeightsError } from './errors.js';
import { recordedHashes, recordHash, sha256OfFile } from './hashes.js';
import { type CacheKind, findLocal, ownPath } from './lookup.js';

export type Verification = 'publisher-sha256' | 'name-prefix' | 'hf-lfs' | 'recorded' | 'recorded-now';

export interface ResolvedWeights {
  path: string;
  sha256: string;
  entry: OfficialWeights;
  where: CacheKind | 'downloaded';
  verification: Verification;
}

export const weightsKey = (w: OfficialWeights) => `${w.model}:${w.tag}`;

/** The hex digits torch.hub reads from a file name (`resnet50-0676ba61.pth` -> 0676ba61). */
export function namePrefix(file: string): string | null {
  return /-([a-f0-9]{6,64})\.[a-z]+$/.exec(file)?.[1] ?? null;
}

/** Checks a file's sha256 against what is known of `w`; returns how, or throws LKR_WEIGHTS_HASH. */
function verify(w: OfficialWeights, file: string, sha: string, stated: string | undefined, env: NodeJS.ProcessEnv): Verification {
  const fail = (want: string, how: string) => {
    throw new WeightsError('LKR_WEIGHTS_HASH', `${file}: sha256 ${sha} differs from ${how} ${want} for ${weightsKey(w)}; delete the file to download it again`);
  };
  if (w.sha256) {
    if (sha !== w.sha256.toLowerCase()) fail(w.sha256, 'the stated');
    return 'publisher-sha256';
  }
  if (w.hash === 'name-prefix') {
    const p = namePrefix(w.file);
    if (p) {
      if (!sha.startsWith(p)) fail(p, "the file name's hash prefix");
      return 'name-prefix';
    }
  }
  if (w.hash === 'hf-lfs' && stated) {
    if (sha !== stated) fail(stated, 'the Hugging Face LFS hash');
    return 'hf-lfs';
  }
  const rec = recordedHashes(env)[weightsKey(w)];
  if (rec) {
    if (sha !== rec.sha256) fail(rec.sha256, `the sha256 recorded at its first download (${rec.recorded})`);
    return w.hash === 'hf-lfs' ? 'hf-lfs' : 'recorded';
  }
  recordHash(weightsKey(w), sha, w.url, env);
  return 'recorded-now';
}

export interface EnsureOptions extends Omit<DownloadOptions, 'sha256' | 'sha256Prefix'> {
  /** false: only look on this machine (`weights path`, `weights verify`). */
  download?: boolean;
}

export async function ensureWeights(w: OfficialWeights, o: EnsureOptions = {}): Promise<ResolvedWeights> {
  const env = o.env ?? process.env;
  const local = findLocal(w, env);
  if (local) {
    const sha = await sha256OfFile(local.path);
    return { path: local.path, sha256: sha, entry: w, where: local.where, verification: verify(w, local.path, sha, local.statedSha256, env) };
  }
  const dest = ownPath(w, env);
  if (o.download === false) {
    throw new WeightsError('LKR_WEIGHTS_OFFLINE', `${weightsKey(w)} is not on this machine: \`lkrobust weights download ${weightsKey(w)}\` fetches ${w.url}, or put ${w.file} at ${dest}`);
  }
  const recorded = recordedHashes(env)[weightsKey(w)]?.sha256;
  const r = await downloadFile(w.url, dest, {
    ...o,
    env,
    sha256: w.sha256 ?? recorded,
    sha256Prefix: w.hash === 'name-prefix' ? (namePrefix(w.file) ?? undefined) : undefined,
  });
  let verification: Verification;
  if (w.sha256) verification = 'publisher-sha256';
  else if (w.hash === 'name-prefix' && namePrefix(w.file)) verification = 'name-prefix';
  else if (r.statedSha256) verification = 'hf-lfs';
  else verification = recorded ? 'recorded' : 'recorded-now';
  if (!recorded) recordHash(weightsKey(w), r.sha256, w.url, env);
  return { path: r.path, sha256: r.sha256, entry: w, where: 'downloaded', verification };
}
