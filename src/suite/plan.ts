// The grid a suite runs: the paper's preset or models × benchmarks/analyses/attacks, narrowed by the user's
// lists, with `--set` overrides; and which shard runs which cell.
import { ATTACK_DEFAULT_ARGS, applyOverrides, type Cell, cellId, type CellKind, DATA_KEYS, modelName } from './cells.js';
import { analyzeCell, attackCell, evalCell, paperCells } from './paper.js';

export class SuiteError extends Error {
  readonly code: string;
  constructor(code: 'LKR_SUITE_ARG' | 'LKR_SUITE_PLAN' | 'LKR_SUITE_MERGE', message: string) {
    super(message);
    this.code = code;
  }
}

export interface PlanOptions {
  preset?: 'paper';
  models?: string[];
  benchmarks?: string[];
  analyses?: string[];
  attacks?: string[];
  /** Custom grid: craft attacks on this model and score the models (else white-box). */
  surrogate?: string;
  /** `--set key=value` overrides for every cell whose command has `--key`. */
  sets?: Record<string, string>;
  /** Which options each command accepts (for --set). */
  accepts: (kind: CellKind, option: string) => boolean;
}

export interface PlannedCell extends Cell {
  /** Overrides applied to this cell (settings that differ from the preset's). */
  overrides: string[];
}

const ANALYSES = ['occlusion', 'lesion', 'frequency', 'kernel-distance', 'feature-variance', 'erf'];
const ATTACKS = Object.keys(ATTACK_DEFAULT_ARGS);

function check(list: string[] | undefined, allowed: readonly string[], what: string): string[] | undefined {
  if (!list) return undefined;
  if (list.length === 1 && list[0] === 'none') return [];
  for (const x of list) if (!allowed.includes(x)) throw new SuiteError('LKR_SUITE_ARG', `--${what}: unknown "${x}" (one of ${allowed.join(', ')}, or none)`);
  return list;
}

const matches = (spec: string, wanted: string[]) => wanted.some((w) => w === spec || w === modelName(spec));

export function planSuite(o: PlanOptions): PlannedCell[] {
  const benchmarks = check(o.benchmarks, DATA_KEYS, 'benchmarks');
  const analyses = check(o.analyses, ANALYSES, 'analyses');
  const attacks = check(o.attacks, ATTACKS, 'attacks');
  let cells: Cell[];
  if (o.preset === 'paper') {
    cells = paperCells()
      .filter((c) => (c.kind === 'eval' ? !benchmarks || benchmarks.includes(c.what) : c.kind === 'analyze' ? !analyses || analyses.includes(c.what) : !attacks || attacks.includes(c.what)))
      .flatMap((c) => {
        if (!o.models) return [c];
        const kept = c.models.filter((m) => matches(m, o.models!));
        return kept.length ? [{ ...c, models: kept, id: cellId(c.kind, c.what, kept, c.surrogate) }] : [];
      });
  } else {
    if (!o.models?.length) throw new SuiteError('LKR_SUITE_ARG', '--models: name the models of the grid (or use --preset paper)');
    if (!benchmarks?.length && !analyses?.length && !attacks?.length) throw new SuiteError('LKR_SUITE_ARG', 'name what to run: --benchmarks, --analyses and/or --attacks (or use --preset paper)');
    cells = o.models.flatMap((m) => [
      ...(benchmarks ?? []).map((b) => evalCell(b as (typeof DATA_KEYS)[number], m, [])),
      ...(analyses ?? []).map((a) => analyzeCell(a, m, [])),
      ...(attacks ?? []).map((a) => attackCell(a, [m], [], o.surrogate)),
    ]);
  }
  if (!cells.length) throw new SuiteError('LKR_SUITE_ARG', 'the grid is empty: no cell matches --models / --benchmarks / --analyses / --attacks');
  return cells.map((c) => {
    const { args, changed } = applyOverrides(c.args, o.sets ?? {}, (k) => o.accepts(c.kind, k));
    return { ...c, args, overrides: changed };
  });
}

/** Shard i of n runs cells i, i+n, i+2n, ... of the plan (0-based). */
export const inShard = (index: number, shard?: { index: number; count: number }) => !shard || index % shard.count === shard.index;
