// `lkrobust demo`: by default the shipped trained models (a kernel-3 and a kernel-7 ConvNeXt) side by side on
// held-out real Fashion-MNIST test images (src/demo/trained_demo.ts); with --synthetic, the pipeline demo on
// synthetic data in every released ImageNet layout with a random-weight model (src/demo/synthetic_pipeline.ts).
import path from 'node:path';

import type { Argv } from 'yargs';

import { sideBySide } from '../../demo/side_by_side.js';
import { runSyntheticDemo } from '../../demo/synthetic_pipeline.js';
import { runTrainedDemo } from '../../demo/trained_demo.js';

export interface DemoArgs {
  synthetic: boolean;
  out?: string;
  batch?: number;
  json: boolean;
}

async function trainedDemo(out: string, batch: number, json: boolean): Promise<void> {
  const log = (s: string) => process.stderr.write(s + '\n');
  const r = await runTrainedDemo(out, batch, log);
  const names = r.rows.map((row) => `kernel ${row.kernel_size}`);
  process.stderr.write(`\n${sideBySide(r.rows, names)}\n\n`);
  log(`demo: done in ${r.seconds.toFixed(1)} s; table in ${r.resultsFile}, ${path.join(out, 'results.csv')}, report: ${path.join(out, 'report.html')}`);
  if (json) process.stdout.write(JSON.stringify({ about: r.about, seconds: r.seconds, rows: r.rows }, null, 2) + '\n');
}

export const demoCommand = {
  command: 'demo',
  describe: 'Shipped trained small- and large-kernel models side by side on real held-out images (clean, corrupted, occluded, attacked); --synthetic: the pipeline demo',
  builder: (y: Argv) =>
    y
      .option('synthetic', {
        type: 'boolean',
        default: false,
        describe: 'instead, the pipeline demo: synthetic data in every released ImageNet layout, a random-weight model, every benchmark (numbers say nothing about robustness)',
      })
      .option('out', { type: 'string', describe: 'output folder (default lkrobust-demo, or lkrobust-demo-synthetic with --synthetic)' })
      .option('batch', { type: 'number', describe: 'images per engine call (default 100, or 16 with --synthetic)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the summary as JSON' })
      .example('$0 demo', 'kernel 3 vs kernel 7, trained on Fashion-MNIST, on 500 held-out test images: the table, results.json/csv, report.html')
      .example('$0 demo --synthetic', 'the whole eval pipeline on synthetic data in the ImageNet layouts (untrained model)')
      .epilogue(
        'The trained models and the image slice ship in data/demo/ (manifest.json, README.md); scripts/train-demo-models.sh ' +
          'retrains the same weights; docs/TRAINING.md, "Demo models".',
      ),
  handler: async (argv: DemoArgs) => {
    if (!argv.synthetic) return trainedDemo(argv.out ?? 'lkrobust-demo', argv.batch ?? 100, argv.json);
    const report = await runSyntheticDemo(argv.out ?? 'lkrobust-demo-synthetic', argv.batch ?? 16, (s) => process.stderr.write(s + '\n'));
    if (argv.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  },
};
