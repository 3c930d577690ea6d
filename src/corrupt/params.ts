// The ImageNet-C corruptions and their five severity parameters, read from data/corruption_params.json (a copy
// of the generator's tables, REFERENCE.md §3.4): the single source the native kernels are given.
import { readFileSync } from 'node:fs';

import { referenceDataPath } from '../data/reference_data.js';

/** The 19 corruptions in the generator's order: 15 benchmark, then the 4 extra. */
export const CORRUPTIONS = [
  'gaussian_noise', 'shot_noise', 'impulse_noise', 'defocus_blur', 'glass_blur', 'motion_blur', 'zoom_blur',
  'snow', 'frost', 'fog', 'brightness', 'contrast', 'elastic_transform', 'pixelate', 'jpeg_compression',
  'speckle_noise', 'gaussian_blur', 'spatter', 'saturate',
] as const;
export type CorruptionName = (typeof CORRUPTIONS)[number];

export const SEVERITIES = [1, 2, 3, 4, 5] as const;

export const PARAMS_FILE = 'data/corruption_params.json';

interface ParamEntry {
  params: (number | number[])[];
  random: boolean;
}

let table: Record<string, ParamEntry> | undefined;
let source: string | undefined;

function load(): Record<string, ParamEntry> {
  if (!table) {
    const j = JSON.parse(readFileSync(referenceDataPath('corruption_params.json'), 'utf8')) as Record<string, unknown>;
    for (const name of CORRUPTIONS) {
      const e = j[name] as ParamEntry | undefined;
      if (!e || !Array.isArray(e.params) || e.params.length !== 5) {
        throw new Error(`${PARAMS_FILE}: ${name} needs five severity entries`);
      }
    }
    source = String(j._source ?? PARAMS_FILE);
    table = j as unknown as Record<string, ParamEntry>;
  }
  return table;
}

/** One severity's parameters, flattened (zoom_blur: its list of zoom factors). */
export function corruptionParams(name: CorruptionName, severity: number): number[] {
  const p = load()[name].params[severity - 1];
  return Array.isArray(p) ? [...p] : [p];
}

/** Whether the corruption draws random numbers (false: the output is a function of the image alone). */
export function isRandom(name: CorruptionName): boolean {
  return load()[name].random;
}

/** Where the parameter tables come from, for manifests. */
export function paramsSource(): string {
  load();
  return `${PARAMS_FILE} (${source})`;
}

export class CorruptionArgError extends Error {
  readonly code = 'LKR_ARG';
  constructor(message: string) {
    super(message);
    this.name = 'CorruptionArgError';
  }
}

/** Parses `a,b|all` into corruption names, rejecting unknown ones by name. */
export function parseCorruptions(text: string): CorruptionName[] {
  if (text.trim() === 'all') return [...CORRUPTIONS];
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !(CORRUPTIONS as readonly string[]).includes(n));
  if (bad.length || names.length === 0) {
    throw new CorruptionArgError(`--corruptions: unknown ${bad.length ? `name(s) ${bad.join(', ')}` : 'empty list'}; expected 'all' or a comma list of ${CORRUPTIONS.join(', ')}`);
  }
  return [...new Set(names)] as CorruptionName[];
}

/** Parses `1..5`, `3`, `1,3,5` or `2..4` into severities. */
export function parseSeverities(text: string): number[] {
  const t = text.trim();
  const range = /^([1-5])\.\.([1-5])$/.exec(t);
  let out: number[];
  if (range) {
    const [a, b] = [Number(range[1]), Number(range[2])];
    out = a <= b ? Array.from({ length: b - a + 1 }, (_, i) => a + i) : [];
  } else {
    out = t.split(',').map((s) => Number(s.trim()));
  }
  if (out.length === 0 || out.some((s) => !Number.isInteger(s) || s < 1 || s > 5)) {
    throw new CorruptionArgError(`--severities: expected 1..5, a range such as 2..4 or a list such as 1,3,5; received '${text}'`);
  }
  return [...new Set(out)].sort((a, b) => a - b);
}
