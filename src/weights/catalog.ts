// The weights a name can resolve to: the official lists (src/models/official_weights.ts), plus the entries of a
// JSON index named by $LKR_WEIGHTS_INDEX (a mirror, an air-gapped cluster's file server, or your own
// checkpoints), which replace official entries of the same model and tag.
import { readFileSync } from 'node:fs';

import { OFFICIAL_WEIGHTS, NO_OFFICIAL_WEIGHTS, type OfficialWeights } from '../models/official_weights.js';
import { WeightsError } from './errors.js';

const REQUIRED = ['model', 'tag', 'url', 'file'] as const;

function readIndex(file: string): (Partial<OfficialWeights> & { model: string; tag: string })[] {
  let j: unknown;
  try {
    j = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new WeightsError('LKR_WEIGHTS_INDEX', `LKR_WEIGHTS_INDEX=${file}: not a readable JSON file (${(e as Error).message})`);
  }
  const list = Array.isArray(j) ? j : (j as { weights?: unknown }).weights;
  if (!Array.isArray(list)) throw new WeightsError('LKR_WEIGHTS_INDEX', `LKR_WEIGHTS_INDEX=${file}: expected a list of entries (or {"weights": [...]})`);
  return list.map((e: Record<string, unknown>, i) => {
    for (const k of REQUIRED) {
      if (typeof e?.[k] !== 'string' || !e[k]) throw new WeightsError('LKR_WEIGHTS_INDEX', `LKR_WEIGHTS_INDEX=${file}: entry ${i} lacks "${k}" (needs ${REQUIRED.join(', ')})`);
    }
    return e as Partial<OfficialWeights> & { model: string; tag: string };
  });
}

/** A new entry of the index: what it does not say is unknown (and its hash is recorded at first download). */
function fillEntry(e: Partial<OfficialWeights> & { model: string; tag: string }): OfficialWeights {
  return {
    publisher: 'LKR_WEIGHTS_INDEX',
    licence: 'unknown',
    format: String(e.file).endsWith('.safetensors') ? 'safetensors' : 'pth',
    hash: 'recorded',
    top1: null,
    top1Source: 'none',
    default: false,
    url: '',
    file: '',
    ...e,
  };
}

export function weightsCatalog(env: NodeJS.ProcessEnv = process.env): OfficialWeights[] {
  const extra = env.LKR_WEIGHTS_INDEX ? readIndex(env.LKR_WEIGHTS_INDEX) : [];
  const key = (w: { model: string; tag: string }) => `${w.model}:${w.tag}`;
  const byKey = new Map(extra.map((w) => [key(w), w]));
  const official = new Set(OFFICIAL_WEIGHTS.map(key));
  // Replacements keep the official entry's place (and its default flag unless they say otherwise).
  const replace = (w: OfficialWeights): OfficialWeights => {
    const r = byKey.get(key(w));
    if (!r) return w;
    const merged = { ...w, ...r } as OfficialWeights;
    if (r.url && !('hf' in r)) delete merged.hf; // a mirror URL: the official HF repo no longer describes the file
    return merged;
  };
  return [...OFFICIAL_WEIGHTS.map(replace), ...extra.filter((w) => !official.has(key(w))).map(fillEntry)];
}

/** `NAME`, `NAME:TAG`, or `NAME:official` (the default tag). */
export function parseWeightsName(spec: string): { model: string; tag: string | null } {
  const i = spec.lastIndexOf(':');
  if (i <= 0) return { model: spec, tag: null };
  const tag = spec.slice(i + 1);
  return { model: spec.slice(0, i), tag: tag === 'official' || tag === '' ? null : tag };
}

export function findWeights(model: string, tag: string | null, env: NodeJS.ProcessEnv = process.env): OfficialWeights {
  const all = weightsCatalog(env).filter((w) => w.model === model);
  if (!all.length) {
    const why = NO_OFFICIAL_WEIGHTS[model];
    throw new WeightsError('LKR_WEIGHTS_UNKNOWN', why ? `${model}: no official weights (${why})` : `${model}: no official weights listed (\`lkrobust weights list\` shows what is); give a checkpoint file with --weights FILE`);
  }
  const w = tag === null ? (all.find((x) => x.default) ?? all[0]) : all.find((x) => x.tag === tag);
  if (!w) throw new WeightsError('LKR_WEIGHTS_UNKNOWN', `${model}: no weights tagged "${tag}" (tags: ${all.map((x) => x.tag).join(', ')})`);
  return w;
}
