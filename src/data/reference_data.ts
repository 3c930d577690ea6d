// The reference tables shipped in the package's data/ folder (see data/README.md for where each comes from):
// ImageNet-1k wnids and names, the ImageNet-A/R/O 200-class subsets, the ImageNet-9 map and the AlexNet
// ImageNet-C/-P baselines. Each file is read once, checked for the shape the code relies on, and cached.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** data/ sits two levels above this file both as src/data/*.ts and as dist/data/*.js. */
const DATA_DIR = fileURLToPath(new URL('../../data/', import.meta.url));

export class ReferenceDataError extends Error {
  readonly code = 'LKR_DATA';
  constructor(file: string, why: string) {
    super(`reference data ${file}: ${why}`);
    this.name = 'ReferenceDataError';
  }
}

/** Absolute path of a file in the shipped data/ folder. */
export function referenceDataPath(name: string): string {
  return DATA_DIR + name;
}

const cache = new Map<string, unknown>();

function loadJson(name: string): unknown {
  if (!cache.has(name)) {
    let text: string;
    try {
      text = readFileSync(referenceDataPath(name), 'utf8');
    } catch (e) {
      throw new ReferenceDataError(name, `cannot be read from ${DATA_DIR} (${(e as Error).message})`);
    }
    cache.set(name, JSON.parse(text));
  }
  return cache.get(name);
}

function stringList(name: string, length: number): readonly string[] {
  const v = loadJson(name);
  if (!Array.isArray(v) || v.length !== length || v.some((s) => typeof s !== 'string')) {
    throw new ReferenceDataError(name, `expected a list of ${length} strings`);
  }
  return v as string[];
}

function indexList(name: string, length: number): readonly number[] {
  const v = loadJson(name);
  if (!Array.isArray(v) || v.length !== length || v.some((x, i) => !Number.isInteger(x) || x < 0 || x > 999 || (i > 0 && x <= v[i - 1]))) {
    throw new ReferenceDataError(name, `expected ${length} ascending class indices in 0..999`);
  }
  return v as number[];
}

/** The 1000 ImageNet-1k wnids, sorted; position = class index (REFERENCE §1.6). */
export function imagenet1kWnids(): readonly string[] {
  return stringList('imagenet_1k_wnids.json', 1000);
}

/** Short class names by 1k index (torchvision's). */
export function imagenet1kNames(): readonly string[] {
  return stringList('imagenet_1k_names.json', 1000);
}

let wnidIndex: Map<string, number> | null = null;
/** wnid → 1k class index, or undefined when the name is not an ImageNet-1k wnid. */
export function imagenet1kIndexOf(wnid: string): number | undefined {
  if (!wnidIndex) wnidIndex = new Map(imagenet1kWnids().map((w, i) => [w, i]));
  return wnidIndex.get(wnid);
}

export type Subset200 = 'a' | 'r' | 'o';

export interface ClassSubset {
  /** 1k class indices, ascending: column j of the restricted logits is class indices[j]. */
  indices: readonly number[];
  /** The wnids in the same order; for A and R the folder label = position in this list. */
  wnids: readonly string[];
}

/** The 200-class subset of ImageNet-A ('a'), -R ('r') or -O ('o') (REFERENCE §5.1–5.3). */
export function classSubset(which: Subset200): ClassSubset {
  const key = `subset_${which}`;
  if (!cache.has(key)) {
    const indices = indexList(`imagenet_${which}_indices.json`, 200);
    const wnids = stringList(`imagenet_${which}_wnids.json`, 200);
    const all = imagenet1kWnids();
    indices.forEach((k, j) => {
      if (all[k] !== wnids[j]) throw new ReferenceDataError(`imagenet_${which}_wnids.json`, `entry ${j} (${wnids[j]}) is not wnid ${k}`);
    });
    cache.set(key, { indices, wnids });
  }
  return cache.get(key) as ClassSubset;
}

/** AlexNet ImageNet-C baseline (data/alexnet_c.json; REFERENCE §3.3). Errors are fractions. */
export interface AlexNetC {
  clean_error: number;
  /** Mean error over the 5 severities, per corruption. */
  errors: Record<string, number>;
  /** Errors for severities 1..5 (index 0 = severity 1), per corruption. */
  errors_per_severity: Record<string, number[]>;
  benchmark_15: string[];
  extra_4: string[];
}

export function alexnetC(): AlexNetC {
  const v = loadJson('alexnet_c.json') as AlexNetC;
  const ok =
    typeof v?.clean_error === 'number' &&
    Array.isArray(v.benchmark_15) && v.benchmark_15.length === 15 &&
    Array.isArray(v.extra_4) && v.extra_4.length === 4 &&
    [...v.benchmark_15, ...v.extra_4].every(
      (c) => typeof v.errors?.[c] === 'number' && Array.isArray(v.errors_per_severity?.[c]) && v.errors_per_severity[c].length === 5,
    );
  if (!ok) throw new ReferenceDataError('alexnet_c.json', 'expected clean_error, benchmark_15, extra_4 and errors (mean and 5 severities) for all 19');
  return v;
}

/** AlexNet ImageNet-P baseline file (data/alexnet_p.json; REFERENCE §4.2): raw FP and uT5D, null where unknown. */
export interface AlexNetPFile {
  flip_rate: Record<string, number | null>;
  top5_distance: Record<string, number | null>;
  test_perturbations_for_mFR_mT5D: string[];
  validation_perturbations: string[];
  noise_type_compare_to_frame0: string[];
}

export function alexnetP(): AlexNetPFile {
  const v = loadJson('alexnet_p.json') as AlexNetPFile;
  if (!v?.flip_rate || !v.top5_distance || v.test_perturbations_for_mFR_mT5D?.length !== 10) {
    throw new ReferenceDataError('alexnet_p.json', 'expected flip_rate, top5_distance and 10 test perturbations');
  }
  return v;
}

/** ImageNet-9 map (data/in9_map.json; REFERENCE §5.4). */
export interface In9Map {
  classes: string[];
  folder_names: string[];
  parent_wnids: string[];
  /** 1k class index → IN-9 class 0..8, or −1. */
  index_to_class: number[];
}

export function in9Map(): In9Map {
  const v = loadJson('in9_map.json') as In9Map;
  const ok =
    v?.classes?.length === 9 &&
    v.folder_names?.length === 9 &&
    Array.isArray(v.index_to_class) && v.index_to_class.length === 1000 &&
    v.index_to_class.every((c) => Number.isInteger(c) && c >= -1 && c < 9);
  if (!ok) throw new ReferenceDataError('in9_map.json', 'expected 9 classes and folder names and a 1000-entry index_to_class in −1..8');
  return v;
}
