// `lkrobust models`: the registry.
import type { Argv } from 'yargs';

import { MODELS } from '../../models/registry.js';

export const modelsCommand = {
  command: 'models',
  describe: 'List the models lkrobust can build, with their input size and where their weights come from',
  builder: (y: Argv) => y.option('json', { type: 'boolean', default: false, describe: 'Print JSON' }),
  handler: (argv: { json: boolean }) => {
    if (argv.json) {
      process.stdout.write(JSON.stringify(MODELS, null, 2) + '\n');
      return;
    }
    const w = Math.max(...MODELS.map((m) => m.name.length));
    for (const m of MODELS) {
      const p = m.preprocess;
      const size = `${p.inputSize}px ${p.warp ? 'warp' : `crop ${p.cropPct}`} ${p.interpolation}`;
      process.stdout.write(`${m.name.padEnd(w)}  ${m.family.padEnd(8)}  ${size.padEnd(26)}  ${m.description}\n`);
      if (m.options) {
        for (const [k, o] of Object.entries(m.options)) process.stdout.write(`${''.padEnd(w)}  option --${k}: ${o.describe}\n`);
      }
    }
  },
};
