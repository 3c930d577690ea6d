// One leaderboard for a suite: suite.json (the source of truth: a model card per model, every cell with its
// command and status, and the paper's values beside ours), suite.csv (model × metric) and one self-contained HTML
// page (the model × metric table first, then the paper's tables with the difference, then the plots).
// Nothing machine- or run-specific goes into suite.json (no paths, times or shard numbers), so three merged
// shards give the same file as one run.
import type { OfficialWeights } from '../models/official_weights.js';
import type { Preprocess } from '../models/registry.js';
import { figuresFor, renderSvg, type ResultsFile } from '../report/plots.js';
import { modelName } from './cells.js';
import { cellMetrics } from './metrics.js';
import { columnMetric, paperValues } from './paper.js';
import type { PlannedCell } from './plan.js';
import type { CellOutcome } from './run.js';

export interface ModelFacts {
  description: string;
  preprocess: Preprocess;
  /** The official entry the spec resolves to, or null (a file given with --weights). */
  official: OfficialWeights | null;
  weightsGiven: string;
}

export interface LeaderboardInput {
  preset: string | null;
  cells: PlannedCell[];
  outcomes: Map<string, CellOutcome>;
  results: Map<string, Record<string, unknown>>;
  facts: (spec: string) => ModelFacts;
  /** How each cell is run, as a command line with placeholders for paths. */
  command: (cell: PlannedCell) => string;
}

type Metrics = Record<string, number | null>;

export function buildSuiteJson(inp: LeaderboardInput) {
  const metrics = new Map<string, Metrics>();
  const sha = new Map<string, string>();
  const cellsOf = new Map<string, string[]>();
  for (const cell of inp.cells) {
    const r = inp.results.get(cell.id);
    for (const spec of [...cell.models, ...(cell.surrogate ? [cell.surrogate] : [])]) if (!cellsOf.has(spec)) cellsOf.set(spec, []);
    for (const spec of cell.models) cellsOf.get(spec)!.push(cell.id);
    if (!r) continue;
    for (const [spec, m] of Object.entries(cellMetrics(cell, r))) metrics.set(spec, { ...(metrics.get(spec) ?? {}), ...m });
    const shas = r.weights_sha256;
    cell.models.forEach((spec, k) => {
      const s = Array.isArray(shas) ? shas[k] : shas;
      if (typeof s === 'string') sha.set(spec, s);
    });
  }
  const models: Record<string, unknown> = {};
  for (const spec of [...cellsOf.keys()].sort()) {
    const f = inp.facts(spec);
    const w = f.official;
    const sorted = Object.fromEntries(Object.entries(metrics.get(spec) ?? {}).sort(([a], [b]) => a.localeCompare(b)));
    models[spec] = {
      model: modelName(spec),
      description: f.description,
      weights: w
        ? { given: f.weightsGiven, tag: w.tag, publisher: w.publisher, licence: w.licence, url: w.url, file: w.file, format: w.format, published_top1: w.top1, published_top1_source: w.top1Source, sha256: sha.get(spec) ?? null }
        : { given: f.weightsGiven, sha256: sha.get(spec) ?? null },
      preprocessing: f.preprocess,
      /** How each number was made: the cell and its exact command (paths as placeholders). */
      protocol: Object.fromEntries(cellsOf.get(spec)!.map((id) => [id, inp.command(inp.cells.find((c) => c.id === id)!)])),
      metrics: sorted,
    };
  }
  const cells = inp.cells.map((c) => {
    const o = inp.outcomes.get(c.id);
    return {
      id: c.id, kind: c.kind, what: c.what, models: c.models, surrogate: c.surrogate ?? null, tables: c.tables, args: c.args, overrides: c.overrides,
      command: inp.command(c), status: o?.status ?? 'not run', ...(o?.reason ? { reason: o.reason } : {}),
    };
  });
  const paper = inp.preset === 'paper' ? paperComparison(inp.cells, metrics) : null;
  return { lkrobust_suite: 1, preset: inp.preset, models, cells, ...(paper ? { paper } : {}) };
}

const r2 = (v: number) => Math.round(v * 100) / 100;

function paperComparison(cells: PlannedCell[], metrics: Map<string, Metrics>) {
  const p = paperValues();
  const overridden = new Map<string, string[]>();
  for (const c of cells) for (const t of c.tables) if (c.overrides.length) overridden.set(t, [...new Set([...(overridden.get(t) ?? []), ...c.overrides])]);
  return {
    source: p.source,
    notes: p.notes,
    tables: p.tables.map((t) => ({
      id: t.id,
      title: t.title,
      columns: t.columns.map((c) => c.name),
      settings_differ: overridden.get(t.id) ?? [],
      rows: t.rows.map((row) => {
        const m = row.spec ? metrics.get(row.spec) : undefined;
        const ours = t.columns.map((c) => {
          const v = m?.[columnMetric(c.metric, row)];
          return typeof v === 'number' ? r2(100 * v) : null;
        });
        return {
          model: row.model,
          spec: row.spec,
          ...(row.surrogate ? { surrogate: row.surrogate } : {}),
          paper: row.values,
          ours,
          difference: ours.map((v, i) => (v !== null && row.values[i] !== null ? r2(v - row.values[i]!) : null)),
        };
      }),
    })),
  };
}

export type SuiteJson = ReturnType<typeof buildSuiteJson>;

export function suiteCsv(s: SuiteJson): string {
  const specs = Object.keys(s.models);
  const names = [...new Set(specs.flatMap((k) => Object.keys((s.models[k] as { metrics: Metrics }).metrics)))].sort();
  const q = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = [['model', 'weights_sha256', ...names].map(q).join(',')];
  for (const k of specs) {
    const card = s.models[k] as { metrics: Metrics; weights: { sha256: string | null } };
    lines.push([k, card.weights.sha256 ?? '', ...names.map((n) => (card.metrics[n] ?? '') + '')].map(q).join(','));
  }
  return lines.join('\n') + '\n';
}

const esc = (v: unknown) => String(v).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const pct = (v: number | null | undefined) => (typeof v === 'number' ? (100 * v).toFixed(2) : '–');
const cellNum = (v: number | null) => (v === null ? '–' : v.toFixed(2));

export async function suiteHtml(s: SuiteJson, results: ResultsFile[]): Promise<string> {
  const specs = Object.keys(s.models);
  const names = [...new Set(specs.flatMap((k) => Object.keys((s.models[k] as { metrics: Metrics }).metrics)))].sort();
  const board = `<table id="leaderboard"><thead><tr><th>model</th>${names.map((n) => `<th>${esc(n)}</th>`).join('')}</tr></thead><tbody>${specs
    .map((k) => `<tr><th>${esc(k)}</th>${names.map((n) => `<td>${pct((s.models[k] as { metrics: Metrics }).metrics[n])}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
  const paper = s.paper
    ? s.paper.tables
        .map(
          (t) => `<section class="paper" id="paper-${esc(t.id)}"><h3>${esc(t.id)}: ${esc(t.title)}</h3>${t.settings_differ.length ? `<p class="warn">settings differ from the paper's: ${esc(t.settings_differ.join(', '))}</p>` : ''}
<table><thead><tr><th>model</th>${t.columns.map((c) => `<th>${esc(c)} paper</th><th>${esc(c)} ours</th><th>Δ</th>`).join('')}</tr></thead><tbody>${t.rows
            .map((r) => `<tr><th>${esc(r.model)}${r.spec ? ` <small>${esc(r.spec)}</small>` : ' <small>(no public weights)</small>'}</th>${r.paper.map((v, i) => `<td class="paper-value">${cellNum(v)}</td><td class="ours">${cellNum(r.ours[i])}</td><td class="diff">${cellNum(r.difference[i])}</td>`).join('')}</tr>`)
            .join('')}</tbody></table></section>`,
        )
        .join('\n')
    : '';
  const cells = `<table><thead><tr><th>cell</th><th>status</th><th>command</th></tr></thead><tbody>${s.cells
    .map((c) => `<tr><td>${esc(c.id)}</td><td>${esc(c.status)}${'reason' in c ? `: ${esc(c.reason)}` : ''}</td><td><code>${esc(c.command)}</code></td></tr>`)
    .join('')}</tbody></table>`;
  const figs = figuresFor(results);
  const svgs = await Promise.all(figs.map((f) => renderSvg(f.spec)));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>lkrobust suite${s.preset ? ` (preset ${esc(s.preset)})` : ''}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1200px;color:#222;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}h3{font-size:1rem}table{border-collapse:collapse;margin:.5rem 0;font-size:12px}
td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}thead th{background:#f3f3f3}td.paper-value{color:#555}td.diff{color:#a40}
.warn{color:#a40}small{color:#777}code{font-size:11px}figure{margin:1.5rem 0}figcaption{font-weight:600}
</style></head><body>
<h1>lkrobust suite${s.preset ? ` — preset ${esc(s.preset)}` : ''}</h1>
<p>${specs.length} model(s), ${s.cells.filter((c) => c.status === 'done').length} of ${s.cells.length} cell(s) done. Values in percent; metric names as in suite.json.</p>
<h2>Models × metrics</h2>${board}
${s.paper ? `<h2>The paper's values beside ours</h2><p><small>${esc(s.paper.source)}</small></p><ul>${s.paper.notes.map((n) => `<li><small>${esc(n)}</small></li>`).join('')}</ul>${paper}` : ''}
<h2>Plots</h2>
${figs.map((f, i) => `<figure id="${esc(f.id)}"><figcaption>${esc(f.title)}</figcaption>${svgs[i]}</figure>`).join('\n')}
<h2>Cells</h2>${cells}
</body></html>
`;
}
