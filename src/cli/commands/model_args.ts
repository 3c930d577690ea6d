// The options every model-using command shares: --model, --weights, model options such as --kernel-size, and
// the resolution of `--weights official|TAG` to a verified file (downloaded once, then found in a cache).
import { existsSync } from 'node:fs';

import type { Argv } from 'yargs';

import type { ModelOptions } from '../../models/model.js';
import { findWeights } from '../../weights/catalog.js';
import { ensureWeights, type ResolvedWeights } from '../../weights/resolve.js';
import { downloadReporter } from '../download_progress.js';

export const WEIGHTS_HELP = "checkpoint file (.safetensors, .pth/.pt/.bin), or 'official' (the model's default official weights) or one of its tags (`lkrobust weights list`): downloaded once, verified, cached";

export function modelArgs<T>(y: Argv<T>) {
  return y
    .option('model', { type: 'string', demandOption: true, describe: 'model name (`lkrobust models` lists them)' })
    .option('weights', { type: 'string', demandOption: true, describe: WEIGHTS_HELP })
    .option('entry', { type: 'string', describe: 'dict entry holding the weights (default: the first of state_dict, model, module, net, model_ema)' })
    .option('kernel-size', { type: 'number', describe: 'ConvNeXt depthwise kernel size (default 7)' })
    .option('device', { type: 'string', default: 'cpu', describe: 'where the model runs: cpu, cuda or cuda:N (needs the CUDA build and a GPU)' });
}

export function modelOptionsFrom(argv: { kernelSize?: number; device?: string }): ModelOptions {
  const options: Record<string, number> = {};
  if (argv.kernelSize !== undefined) options.kernelSize = argv.kernelSize;
  return { options, device: argv.device };
}

/** 'official' or a tag (a bare word that is not an existing file) names official weights; anything else is a file. */
export function isWeightsName(weights: string): boolean {
  if (weights === 'official') return true;
  if (existsSync(weights)) return false;
  return /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(weights) && !/\.(pth|pt|bin|safetensors|ckpt|tar)$/i.test(weights);
}

/** The file `--weights` stands for: a path as given, or official weights fetched and verified. */
export async function resolveWeightsFile(model: string, weights: string, opts: { json?: boolean } = {}): Promise<string> {
  return (await resolveWeights(model, weights, opts))?.path ?? weights;
}

export async function resolveWeights(model: string, weights: string, opts: { json?: boolean } = {}): Promise<ResolvedWeights | null> {
  if (!isWeightsName(weights)) return null;
  const w = findWeights(model, weights === 'official' ? null : weights);
  return ensureWeights(w, downloadReporter(`${w.model}:${w.tag}`, opts));
}
