// One self-contained HTML page for a folder of runs: every results.json found under it, as tables and inline
// SVG figures. No external scripts, styles or fonts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import { figuresFor, renderSvg, type ResultsFile } from './plots.js';

export function findResults(dir: string): { file: string; results: ResultsFile }[] {
  const out: { file: string; results: ResultsFile }[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (name === 'results.json') {
        try {
          out.push({ file: p, results: JSON.parse(readFileSync(p, 'utf8')) as ResultsFile });
        } catch {
          // a results.json being written right now, or not ours: skipped
        }
      }
    }
  };
  walk(dir);
  return out;
}

const esc = (s: unknown) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function fmt(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(4);
  if (v === null || v === undefined) return '–';
  if (typeof v === 'object') return esc(JSON.stringify(v).slice(0, 80));
  return esc(v);
}

function table(rows: Record<string, unknown>[]): string {
  if (!rows.length) return '<p>(no rows)</p>';
  const cols: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
  return `<table><thead><tr>${cols.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${cols.map((c) => `<td>${fmt(r[c])}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

export async function reportHtml(dir: string): Promise<{ html: string; files: number; figures: number }> {
  const found = findResults(dir);
  const figs = figuresFor(found.map((f) => f.results));
  const svgs = await Promise.all(figs.map((f) => renderSvg(f.spec)));
  const sections = found.map(({ file, results: r }) => {
    const kind = r.benchmark ?? r.attack ?? r.analysis ?? 'results';
    const scalars = Object.entries(r.summary ?? {}).filter(([, v]) => v === null || typeof v !== 'object');
    return `<section><h2>${esc(r.model ?? '?')} — ${esc(kind)}</h2><p class="file">${esc(path.relative(dir, file))}</p>
${scalars.length ? table([Object.fromEntries(scalars)]) : ''}
<details><summary>${(r.rows ?? []).length} rows</summary>${table((r.rows ?? []) as Record<string, unknown>[])}</details></section>`;
  });
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>lkrobust report: ${esc(path.basename(path.resolve(dir)))}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.1rem;margin-top:2rem}table{border-collapse:collapse;margin:.5rem 0;font-size:12px}
td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}th{background:#f3f3f3}.file{color:#777;font-size:12px}
figure{margin:1.5rem 0}figcaption{font-weight:600;margin-bottom:.3rem}
</style></head><body>
<h1>lkrobust report</h1><p>${found.length} result file(s) under <code>${esc(path.resolve(dir))}</code>, made ${esc(new Date().toISOString())}.</p>
${figs.map((f, i) => `<figure id="${esc(f.id)}"><figcaption>${esc(f.title)}</figcaption>${svgs[i]}</figure>`).join('\n')}
${sections.join('\n')}
</body></html>
`;
  return { html, files: found.length, figures: figs.length };
}
