// manifest.json at the root of a corrupted set: how it was made (seed, size, format, parameter source, frost
// textures, lkrobust version). A rerun into the same folder must use the same settings, so that resuming
// never mixes two different sets; it may add corruptions or severities.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { writeAtomic } from '../report/run_dir.js';
import { version } from '../version.js';
import type { OutputFormat } from './jobs.js';

export interface CorruptManifest {
  tool: 'lkrobust corrupt';
  lkrobust_version: string;
  layout: string;
  data: string;
  seed: number;
  size: number;
  format: OutputFormat;
  jpeg_quality: number | null;
  params_source: string;
  frost: string;
  corruptions: string[];
  severities: number[];
  images: number;
  complete: boolean;
  written?: number;
  skipped_existing?: number;
  failed_images?: { path: string; error: string }[];
  seconds?: number;
}

export class ManifestMismatchError extends Error {
  readonly code = 'LKR_RUN_DIR';
  constructor(dir: string, field: string, was: unknown, now: unknown) {
    super(`${dir} holds a set made with ${field} = ${JSON.stringify(was)}, not ${JSON.stringify(now)}; rerun with the same settings to resume, or use another --out`);
    this.name = 'ManifestMismatchError';
  }
}

const IDENTITY: (keyof CorruptManifest)[] = ['seed', 'size', 'format', 'jpeg_quality', 'params_source', 'frost'];

export function manifestPath(out: string): string {
  return path.join(out, 'manifest.json');
}

export function readManifest(out: string): CorruptManifest | null {
  const f = manifestPath(out);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as CorruptManifest) : null;
}

/** Checks `m` against an existing manifest (throws on a different identity) and writes the merged one. */
export function openManifest(out: string, m: CorruptManifest): CorruptManifest {
  mkdirSync(out, { recursive: true });
  const old = readManifest(out);
  let merged = { ...m, lkrobust_version: version };
  if (old) {
    for (const k of IDENTITY) if (JSON.stringify(old[k]) !== JSON.stringify(m[k])) throw new ManifestMismatchError(out, k, old[k], m[k]);
    merged = {
      ...merged,
      corruptions: [...new Set([...old.corruptions, ...m.corruptions])],
      severities: [...new Set([...old.severities, ...m.severities])].sort((a, b) => a - b),
    };
  }
  writeManifest(out, merged);
  return merged;
}

export function writeManifest(out: string, m: CorruptManifest): void {
  writeAtomic(manifestPath(out), JSON.stringify(m, null, 2) + '\n');
}
