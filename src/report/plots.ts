// Figures from results files, as Vega-Lite specs rendered to SVG in Node (and PNG through sharp). Several
// results of one kind (e.g. one per model) share a plot, coloured by model.
import sharp from 'sharp';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface ResultsFile {
  model?: string;
  benchmark?: string;
  attack?: string;
  analysis?: string;
  rows?: Record<string, unknown>[];
  summary?: Record<string, unknown>;
  [k: string]: unknown;
}

export interface Figure {
  id: string;
  title: string;
  spec: TopLevelSpec;
}

const WIDTH = 420;
const HEIGHT = 260;

function line(title: string, values: Record<string, unknown>[], x: string, y: string, xTitle: string, yTitle: string, extra: Partial<{ facet: string; yFormat: string }> = {}): TopLevelSpec {
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: x, type: 'quantitative', title: xTitle },
      y: { field: y, type: 'quantitative', title: yTitle, axis: extra.yFormat ? { format: extra.yFormat } : {} },
      color: { field: 'model', type: 'nominal', title: 'model' },
    },
    width: WIDTH,
    height: HEIGHT,
  } as Record<string, unknown>;
  if (extra.facet) {
    return {
      $schema: spec.$schema,
      title,
      data: { values },
      facet: { field: extra.facet, type: 'nominal', title: null },
      columns: 5,
      spec: { mark: spec.mark, encoding: spec.encoding, width: 160, height: 110 },
    } as TopLevelSpec;
  }
  return spec as unknown as TopLevelSpec;
}

function bars(title: string, values: Record<string, unknown>[], x: string, y: string, yTitle: string, yFormat?: string): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values },
    mark: 'bar',
    encoding: {
      x: { field: x, type: 'nominal', title: null, sort: null },
      xOffset: { field: 'model', type: 'nominal' },
      y: { field: y, type: 'quantitative', title: yTitle, axis: yFormat ? { format: yFormat } : {} },
      color: { field: 'model', type: 'nominal' },
    },
    width: WIDTH,
    height: HEIGHT,
  } as TopLevelSpec;
}

/** The figures for a group of results files (any mix of kinds); each kind gets its own plots. */
export function figuresFor(files: ResultsFile[]): Figure[] {
  const figs: Figure[] = [];
  const of = (pred: (f: ResultsFile) => boolean) => files.filter(pred);
  const rowsOf = (fs: ResultsFile[]): Record<string, unknown>[] => fs.flatMap((f) => (f.rows ?? []).map((r) => ({ ...r, model: f.model ?? '?' })));

  const c = of((f) => f.benchmark === 'imagenet-c');
  if (c.length) figs.push({ id: 'imagenet-c', title: 'ImageNet-C: top-1 error by severity', spec: line('ImageNet-C top-1 error by severity', rowsOf(c), 'severity', 'error', 'severity', 'top-1 error', { facet: 'corruption', yFormat: '%' }) });
  const p = of((f) => f.benchmark === 'imagenet-p');
  if (p.length) figs.push({ id: 'imagenet-p', title: 'ImageNet-P: flip probability', spec: bars('ImageNet-P flip probability per perturbation', rowsOf(p), 'perturbation', 'fp', 'flip probability', '%') });
  const nine = of((f) => f.benchmark === 'imagenet-9');
  if (nine.length) figs.push({ id: 'imagenet-9', title: 'ImageNet-9: accuracy per variation', spec: bars('ImageNet-9 accuracy', rowsOf(nine).map((r) => ({ ...r, accuracy: 1 - Number(r.error) })), 'variation', 'accuracy', 'top-1 accuracy', '%') });
  const tops = of((f) => ['imagenet-val', 'imagenet-a', 'imagenet-r'].includes(f.benchmark ?? ''));
  if (tops.length) {
    const values = tops.map((f) => ({ model: f.model, benchmark: f.benchmark, top1: f.summary?.top1 }));
    figs.push({ id: 'top1', title: 'Top-1 accuracy', spec: bars('Top-1 accuracy (val, -A and -R: 200 classes)', values, 'benchmark', 'top1', 'top-1 accuracy', '%') });
  }
  for (const kind of ['fgsm', 'pgd', 'taig-s', 'taig-r']) {
    const a = of((f) => f.attack === kind);
    if (!a.length) continue;
    const rows = rowsOf(a);
    const steps = new Set(rows.map((r) => r.steps));
    const byEps = steps.size <= 1;
    figs.push({
      id: `attack-${kind}`,
      title: `${kind.toUpperCase()}: accuracy under attack`,
      spec: line(`${kind.toUpperCase()} accuracy under attack`, rows, byEps ? 'eps' : 'steps', 'accuracy', byEps ? 'ε (pixel units)' : 'steps', 'top-1 accuracy', { yFormat: '%' }),
    });
  }
  // Analyses (issue: occlusion, lesion, frequency, kernel-distance, feature-variance, erf) plot their rows
  // with x/y fields they name in summary.plot = { x, y, xTitle, yTitle, facet? }.
  const analyses = new Map<string, ResultsFile[]>();
  for (const f of of((f) => typeof f.analysis === 'string')) analyses.set(f.analysis!, [...(analyses.get(f.analysis!) ?? []), f]);
  for (const f of analyses.get('erf') ?? []) {
    figs.push({
      id: `erf-${f.model}`,
      title: `Effective receptive field: ${f.model}`,
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        title: `ERF of ${f.model} (input-gradient contribution of the central output)`,
        data: { values: (f.summary?.heatmap as unknown[]) ?? [] },
        mark: 'rect',
        encoding: {
          x: { field: 'x', type: 'ordinal', axis: null },
          y: { field: 'y', type: 'ordinal', axis: null },
          color: { field: 'value', type: 'quantitative', scale: { type: 'sqrt', scheme: 'viridis' }, title: 'contribution' },
        },
        width: 300,
        height: 300,
      } as TopLevelSpec,
    });
  }
  analyses.delete('erf');
  for (const [name, fs] of analyses) {
    const plot = fs[0].summary?.plot as { x: string; y: string; xTitle: string; yTitle: string; facet?: string; yFormat?: string } | undefined;
    if (!plot) continue;
    figs.push({ id: `analysis-${name}`, title: name, spec: line(name, rowsOf(fs), plot.x, plot.y, plot.xTitle, plot.yTitle, { facet: plot.facet, yFormat: plot.yFormat }) });
  }
  return figs;
}

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export async function svgToPng(svg: string, scale = 2): Promise<Buffer> {
  return sharp(Buffer.from(svg), { density: 72 * scale }).flatten({ background: '#ffffff' }).png().toBuffer();
}
