// The paper's published values (data/paper_lkrobust.json) and the preset that reproduces them: per table and
// figure, which cells run with which settings.
import { readFileSync } from 'node:fs';

import { ATTACK_DEFAULT_ARGS, type Cell, cellId, type CellKind, type DataKey } from './cells.js';

export interface PaperRow {
  model: string;
  spec: string | null;
  surrogate?: string;
  values: (number | null)[];
}
export interface PaperTable {
  id: string;
  title: string;
  columns: { name: string; metric: string }[];
  rows: PaperRow[];
}
export interface PaperValues {
  source: string;
  notes: string[];
  tables: PaperTable[];
}

let cached: PaperValues | null = null;
export function paperValues(): PaperValues {
  cached ??= JSON.parse(readFileSync(new URL('../../data/paper_lkrobust.json', import.meta.url), 'utf8')) as PaperValues;
  return cached;
}

/** The metric name of a paper column for a row (T4's columns name the surrogate). */
export const columnMetric = (metric: string, row: PaperRow) => metric.replace('{surrogate}', row.surrogate ?? '');

export function evalCell(benchmark: DataKey, spec: string, tables: string[]): Cell {
  return { id: cellId('eval', benchmark, [spec]), kind: 'eval', what: benchmark, models: [spec], data: benchmark === 'imagenet-o' ? ['imagenet-o', 'imagenet-val'] : [benchmark], args: ['--benchmark', benchmark], tables };
}

export function analyzeCell(analysis: string, spec: string, tables: string[], args: string[] = []): Cell {
  return { id: cellId('analyze', analysis, [spec]), kind: 'analyze', what: analysis, models: [spec], data: analysis === 'kernel-distance' ? [] : ['imagenet-val'], args, tables };
}

export function attackCell(attack: string, targets: string[], tables: string[], surrogate?: string, args: string[] = ATTACK_DEFAULT_ARGS[attack] ?? []): Cell {
  return { id: cellId('attack', attack, targets, surrogate), kind: 'attack', what: attack, models: targets, ...(surrogate ? { surrogate } : {}), data: ['imagenet-val'], args: ['--attack', attack, ...args], tables };
}

const METRIC_BENCHMARK: Record<string, DataKey> = {
  imagenet: 'imagenet-val', 'imagenet-a': 'imagenet-a', 'imagenet-r': 'imagenet-r', 'imagenet-o': 'imagenet-o', 'imagenet-c': 'imagenet-c', 'imagenet-p': 'imagenet-p', 'imagenet-9': 'imagenet-9',
};

/** Every cell the paper's tables and figures need, in table order; cells shared by tables listed once. */
export function paperCells(): Cell[] {
  const cells = new Map<string, Cell>();
  const add = (c: Cell) => {
    const old = cells.get(c.id);
    if (!old) {
      cells.set(c.id, c);
      return;
    }
    for (const t of c.tables) if (!old.tables.includes(t)) old.tables.push(t);
  };
  for (const t of paperValues().tables) {
    for (const row of t.rows) {
      if (!row.spec) continue;
      const kinds = new Set(t.columns.map((c) => c.metric.split('.')[0]));
      for (const k of kinds) {
        if (METRIC_BENCHMARK[k]) add(evalCell(METRIC_BENCHMARK[k], row.spec, [t.id]));
        // Fig. 4 and Table 5: every mode at every ratio (the table reads salient at 50%).
        else if (k === 'occlusion') add(analyzeCell('occlusion', row.spec, [t.id], ['--modes', 'random,salient,non-salient', '--saliency-weights', 'official']));
        else if (k === 'frequency') add(analyzeCell('frequency', row.spec, [t.id]));
      }
    }
    if (t.id === 'T4') {
      const bySurrogate = new Map<string, string[]>();
      for (const row of t.rows) if (row.spec && row.surrogate) bySurrogate.set(row.surrogate, [...(bySurrogate.get(row.surrogate) ?? []), row.spec]);
      for (const [s, targets] of bySurrogate) add(attackCell('taig-r', targets, ['T4'], s));
    }
  }
  // Figures with no values in the text (REFERENCE §6): the models the paper plots.
  for (const m of ['resnet50:tv_in1k', 'vit_base_patch16_224', 'replknet_31b']) {
    add(attackCell('fgsm', [m], ['Fig. 6a']));
    add(attackCell('pgd', [m], ['Fig. 6b']));
  }
  for (const m of ['replknet_31b', 'vit_base_patch16_224', 'vit_large_patch16_224']) add(analyzeCell('lesion', m, ['Fig. 7']));
  add(analyzeCell('kernel-distance', 'replknet_31b:in1k_224', ['Fig. 9']));
  for (const m of ['replknet_31b:in1k_224', 'vit_base_patch16_224', 'resnet50:tv_in1k']) add(analyzeCell('feature-variance', m, ['Fig. 10']));
  return [...cells.values()];
}

export const CELL_KINDS: CellKind[] = ['eval', 'analyze', 'attack'];
