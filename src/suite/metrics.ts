// The leaderboard's numbers, read from a cell's results.json: one flat `metric -> value` map per model, every
// value a fraction as the commands write them (the report shows percent). Names are stable; the paper's tables
// (data/paper_lkrobust.json) refer to them.
import type { Cell } from './cells.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Mean top-1 accuracy over the corruptions at severity 5 (the measure of the paper's Figs 1-3 and, inferred, T5/T6). */
function sev5Accuracy(rows: Json[]): number | null {
  const at5 = rows.filter((r) => r.severity === 5 && typeof r.error === 'number');
  return at5.length ? at5.reduce((s, r) => s + (1 - r.error), 0) / at5.length : null;
}

function evalMetrics(benchmark: string, r: Json): Record<string, number | null> {
  const s = r.summary ?? {};
  switch (benchmark) {
    case 'imagenet-val':
      return { 'imagenet.top1': num(s.top1), 'imagenet.top5': num(s.top5) };
    case 'imagenet-a':
    case 'imagenet-r':
      return { [`${benchmark}.top1`]: num(s.top1) };
    case 'imagenet-o':
      return { 'imagenet-o.aupr': num(s.aupr), 'imagenet-o.auroc': num(s.auroc) };
    case 'imagenet-c':
      return { 'imagenet-c.mCE': num(s.mCE), 'imagenet-c.unnormalized_mean_error_19': num(s.unnormalized_mean_error_19), 'imagenet-c.sev5_accuracy': sev5Accuracy(r.rows ?? []) };
    case 'imagenet-p':
      return { 'imagenet-p.mFR': num(s.mFR), 'imagenet-p.mT5D': num(s.mT5D) };
    case 'imagenet-9': {
      const acc = s.accuracy ?? {};
      return { 'imagenet-9.original': num(acc.original), 'imagenet-9.mixed_same': num(acc.mixed_same), 'imagenet-9.mixed_rand': num(acc.mixed_rand), 'imagenet-9.bg_gap': num(s.bg_gap) };
    }
  }
  return {};
}

function analyzeMetrics(analysis: string, r: Json): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  const rows: Json[] = r.rows ?? [];
  if (analysis === 'occlusion') for (const row of rows) out[`occlusion.${row.mode}@${row.ratio}.drop`] = num(row.drop);
  else if (analysis === 'frequency') for (const row of rows) out[`frequency.band@${row.band}.drop`] = num(row.drop);
  else if (analysis === 'lesion') {
    const byN = new Map<number, number[]>();
    for (const row of rows) if (typeof row.accuracy === 'number') byN.set(row.n, [...(byN.get(row.n) ?? []), row.accuracy]);
    for (const [n, a] of byN) out[`lesion.n=${n}.mean_accuracy`] = a.reduce((x, y) => x + y, 0) / a.length;
  }
  if (num(r.summary?.clean_accuracy) !== null) out[`${analysis}.clean_accuracy`] = r.summary.clean_accuracy;
  return out;
}

/** metric -> value, per model spec of the cell. */
export function cellMetrics(cell: Cell, r: Json): Record<string, Record<string, number | null>> {
  if (cell.kind === 'eval') return { [cell.models[0]]: evalMetrics(cell.what, r) };
  if (cell.kind === 'analyze') return { [cell.models[0]]: analyzeMetrics(cell.what, r) };
  const out: Record<string, Record<string, number | null>> = {};
  const from = cell.surrogate ? `from=${cell.surrogate}.` : '';
  const manySteps = new Set((r.rows ?? []).map((row: Json) => row.steps)).size > 1;
  for (const row of (r.rows ?? []) as Json[]) {
    const spec = cell.surrogate ? (cell.models.find((m) => m.split(':')[0] === row.model) ?? row.model) : cell.models[0];
    const key = `${cell.what}.${from}eps=${row.eps}${manySteps ? `.steps=${row.steps}` : ''}`;
    out[spec] ??= {};
    out[spec][`${key}.success_rate`] = num(row.success_rate);
    out[spec][`${key}.accuracy`] = num(row.accuracy);
  }
  return out;
}
