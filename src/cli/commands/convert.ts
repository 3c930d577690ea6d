// `lkrobust convert`: any supported checkpoint -> .safetensors with our key names, optionally re-parameterised.
import type { Argv } from 'yargs';

import { writeSafetensors } from '../../models/checkpoint/index.js';
import { Model } from '../../models/model.js';
import { modelArgs, modelOptionsFrom } from './model_args.js';

export const convertCommand = {
  command: 'convert',
  describe: 'Convert a checkpoint to .safetensors with lkrobust key names (--reparam fuses RepLKNet branches)',
  builder: (y: Argv) =>
    modelArgs(y)
      .option('out', { type: 'string', demandOption: true, describe: 'output .safetensors file' })
      .option('reparam', { type: 'boolean', default: false, describe: 'structural re-parameterisation (RepLKNet): one fused kernel per block' })
      .example('$0 convert --model replknet_31b --weights RepLKNet-31B.pth --out r31b.safetensors --reparam', ''),
  handler: (argv: { model: string; weights: string; entry?: string; out: string; reparam: boolean; kernelSize?: number }) => {
    const model = new Model(argv.model, modelOptionsFrom(argv));
    model.loadWeights(argv.weights, argv.entry ? { entry: argv.entry } : {});
    if (argv.reparam && !model.reparameterize()) {
      throw new RangeError(`${argv.model}: --reparam applies to models with re-parameterisable branches (RepLKNet); this one has none`);
    }
    const params = model.getParams();
    writeSafetensors(argv.out, new Map(Object.entries(params)), { format: 'pt', source: 'lkrobust', model: argv.model });
    process.stdout.write(`wrote ${argv.out}: ${Object.keys(params).length} tensors${argv.reparam ? ' (re-parameterised)' : ''}\n`);
  },
};
