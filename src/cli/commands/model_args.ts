// The options every model-using command shares: --model, --weights, model options such as --kernel-size.
import type { Argv } from 'yargs';

import type { ModelOptions } from '../../models/model.js';

export function modelArgs<T>(y: Argv<T>) {
  return y
    .option('model', { type: 'string', demandOption: true, describe: 'model name (`lkrobust models` lists them)' })
    .option('weights', { type: 'string', demandOption: true, describe: '.safetensors or PyTorch .pth/.pt/.bin checkpoint' })
    .option('entry', { type: 'string', describe: 'dict entry holding the weights (default: the first of state_dict, model, module, net, model_ema)' })
    .option('kernel-size', { type: 'number', describe: 'ConvNeXt depthwise kernel size (default 7)' })
    .option('device', { type: 'string', default: 'cpu', describe: 'where the model runs: cpu, cuda or cuda:N (needs the CUDA build and a GPU)' });
}

export function modelOptionsFrom(argv: { kernelSize?: number; device?: string }): ModelOptions {
  const options: Record<string, number> = {};
  if (argv.kernelSize !== undefined) options.kernelSize = argv.kernelSize;
  return { options, device: argv.device };
}
