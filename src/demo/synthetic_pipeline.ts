// `lkrobust demo --synthetic`: the whole pipeline on built-in defaults — a synthetic dataset in every released
// layout, a small built-in model, `eval` on each benchmark, and a report. The model is untrained (random weights),
// so its numbers show the machinery, not robustness; the demo says so. (The default demo is trained_demo.ts.)
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { writeSyntheticDatasets } from '../data/synthetic.js';
import { writeSafetensors } from '../models/checkpoint/index.js';
import { Model } from '../models/model.js';
import { DEMO_MODEL } from '../models/registry.js';
import { randomParams } from '../bench/model.js';
import type { BenchmarkName } from '../robustness/benchmarks.js';
import { reportHtml } from '../report/html.js';
import { evalMain, formatSummary } from '../cli/commands/eval.js';

const UNTRAINED =
  'NOTE: the synthetic pipeline demo model (lkr_demo_convnext) has seeded RANDOM weights: it is untrained, so these ' +
  'numbers exercise the pipeline and say nothing about robustness (`lkrobust demo` without --synthetic runs trained models).';

export async function runSyntheticDemo(out: string, batch: number, log: (s: string) => void) {
  const t0 = performance.now();
  mkdirSync(out, { recursive: true });
  const dataRoot = path.join(out, 'data');
  let dirs: Record<string, string>;
  if (existsSync(path.join(dataRoot, '.complete'))) {
    dirs = Object.fromEntries(['imagenet-val', 'imagenet-a', 'imagenet-r', 'imagenet-o', 'imagenet-c', 'imagenet-p', 'imagenet-9'].map((b) => [b, path.join(dataRoot, b)]));
  } else {
    log(`demo: writing a synthetic dataset in the released layouts to ${dataRoot}`);
    dirs = await writeSyntheticDatasets(dataRoot);
    writeFileSync(path.join(dataRoot, '.complete'), '');
  }
  const weights = path.join(out, 'lkr_demo_convnext.safetensors');
  if (!existsSync(weights)) {
    const m = new Model(DEMO_MODEL.name);
    const params = randomParams(m, 0);
    writeSafetensors(weights, new Map(Object.entries(params)), { format: 'pt', note: 'random weights (untrained) for lkrobust demo' });
  }
  log(UNTRAINED);
  const summaries: Record<string, unknown> = {};
  let cleanError: number | undefined;
  const order: BenchmarkName[] = ['imagenet-val', 'imagenet-a', 'imagenet-r', 'imagenet-o', 'imagenet-c', 'imagenet-p', 'imagenet-9'];
  for (const b of order) {
    const { results } = await evalMain(
      {
        model: DEMO_MODEL.name,
        weights,
        benchmark: b,
        data: dirs[b],
        batch,
        json: true,
        difficulty: 1,
        out: path.join(out, 'runs', b),
        valDir: b === 'imagenet-o' ? dirs['imagenet-val'] : undefined,
        cleanError: b === 'imagenet-c' ? cleanError : undefined,
      },
      () => {},
    );
    if (b === 'imagenet-val') cleanError = 1 - (results.summary.top1 as number);
    summaries[b] = results.summary;
    log(`\n== ${b} (${results.images} images)\n${formatSummary(results.summary)}`);
  }
  const { html } = await reportHtml(path.join(out, 'runs'));
  writeFileSync(path.join(out, 'report.html'), html);
  const seconds = (performance.now() - t0) / 1000;
  const report = { model: DEMO_MODEL.name, untrained: true, note: UNTRAINED, seconds, benchmarks: summaries };
  writeFileSync(path.join(out, 'demo-summary.json'), JSON.stringify(report, null, 2) + '\n');
  log(`\ndemo: done in ${seconds.toFixed(1)} s; results.json and results.csv per benchmark under ${path.join(out, 'runs')}, report: ${path.join(out, 'report.html')}`);
  log(UNTRAINED);
  return report;
}
