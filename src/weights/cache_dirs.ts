// Where checkpoints may already be on this machine, in the order they are looked up: the PyTorch hub cache
// (torchvision / timm legacy downloads), the Hugging Face hub cache (timm's HF downloads), then our own.
import os from 'node:os';
import path from 'node:path';

type Env = NodeJS.ProcessEnv;

const xdgCache = (env: Env) => env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');

/** torch.hub: $TORCH_HOME/hub/checkpoints, TORCH_HOME defaulting to $XDG_CACHE_HOME/torch. */
export function torchHubCheckpoints(env: Env = process.env): string {
  return path.join(env.TORCH_HOME || path.join(xdgCache(env), 'torch'), 'hub', 'checkpoints');
}

/** huggingface_hub: $HF_HUB_CACHE, else $HF_HOME/hub, HF_HOME defaulting to $XDG_CACHE_HOME/huggingface. */
export function hfHubCache(env: Env = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  return path.join(env.HF_HOME || path.join(xdgCache(env), 'huggingface'), 'hub');
}

/** Ours: $LKR_HOME/weights, else $XDG_CACHE_HOME/lkrobust/weights. */
export function ownWeightsDir(env: Env = process.env): string {
  return path.join(env.LKR_HOME || path.join(xdgCache(env), 'lkrobust'), 'weights');
}
