// `lkrobust bench corrupt`: ImageNet-C generation speed beside imagecorruptions (see src/bench/corrupt.ts).
import type { Argv } from 'yargs';

import { benchCorrupt } from '../../bench/corrupt.js';
import { oraclePythonPath } from '../../bench/oracle.js';
import { parseCorruptions } from '../../corrupt/params.js';
import { engineInfo } from '../../native.js';

export const corruptBench = {
  command: 'corrupt',
  describe: 'ImageNet-C generation: images/s per corruption at 224² beside imagecorruptions (same crops, same run); the whole set from JPEGs beside decode + re-encode x95',
  builder: (y: Argv) =>
    y
      .option('images', { type: 'number', default: 32, describe: 'source images' })
      .option('data', { type: 'string', describe: 'ImageFolder of JPEGs to use (default: synthetic 500x375 JPEGs)' })
      .option('corruptions', { type: 'string', default: 'all' })
      .option('reference', { type: 'boolean', default: true, describe: 'also time imagecorruptions through the oracle venv (if present)' })
      .option('pipeline', { type: 'boolean', default: true, describe: 'also time the whole set from JPEG files against decode + re-encode x95' })
      .option('reps', { type: 'number', default: 2, describe: 'each timing is the best of this many runs (ours and the reference alike)' })
      .option('json', { type: 'boolean', default: false }),
  handler: async (argv: { images: number; data?: string; corruptions: string; reference: boolean; pipeline: boolean; reps: number; json: boolean }) => {
    const threads = engineInfo().cpu.threads;
    const r = await benchCorrupt({
      images: argv.images, data: argv.data, corruptions: parseCorruptions(argv.corruptions), threads,
      python: argv.reference ? oraclePythonPath() : null, pipeline: argv.pipeline, reps: argv.reps,
    });
    if (argv.json) {
      process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      return;
    }
    const f = (v: number | null, d = 1) => (v === null ? '-' : v.toFixed(d));
    const lines = [`| corruption | ours img/s | imagecorruptions img/s | ratio |`, `|---|---:|---:|---:|`];
    for (const row of r.rows) lines.push(`| ${row.corruption} | ${f(row.ours_ips)} | ${f(row.reference_ips)} | ${f(row.ratio)}× |`);
    lines.push(`| **all ${r.rows.length} × 5** | **${f(r.set.ours_ips)}** | **${f(r.set.reference_ips)}** | **${f(r.set.ratio)}×** |`);
    process.stdout.write(`${r.images} images (${r.source}), 224², ${threads} threads, best of ${r.reps}\n${lines.join('\n')}\n`);
    if (r.pipeline) {
      process.stdout.write(
        `whole set from JPEGs (${r.pipeline.outputs} files): ${r.pipeline.corrupt_seconds.toFixed(1)} s; ` +
          `decode + re-encode x${r.rows.length * 5} only: ${r.pipeline.decode_encode_x95_seconds.toFixed(1)} s (ratio ${r.pipeline.ratio.toFixed(2)})\n`,
      );
    }
    if (r.reference_versions) process.stdout.write(`reference: ${JSON.stringify(r.reference_versions)}\n`);
  },
};
