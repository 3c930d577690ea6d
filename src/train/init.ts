// Fresh weights for training from scratch, seeded: the initialisations of the reference code, by key.
// ConvNeXt (timm _init_weights): conv / linear weights truncated normal std 0.02 (cut at ±2), biases 0, layer
// scale gamma = 1e-6, head scaled by head_init_scale = 1. ResNet (torchvision): conv weights Kaiming normal
// (fan_out, ReLU gain), BN weight 1 / bias 0, fc U(±1/sqrt(fan_in)) as nn.Linear. Norm scales 1, shifts 0;
// running mean 0, running var 1. Any other family: the ConvNeXt rule (truncated normal 0.02).
import type { Tensor } from '../native.js';
import { mulberry32 } from '../util/rng.js';

export interface ParamShape {
  name: string;
  shape: number[];
}

function gaussian(rnd: () => number): () => number {
  return () => {
    const u = Math.max(rnd(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
  };
}

export function initialParams(family: string, specs: ParamShape[], seed: number, layerScale = 1e-6): Record<string, Tensor> {
  const rnd = mulberry32(seed ^ 0x5eed1e55);
  const normal = gaussian(rnd);
  const out: Record<string, Tensor> = {};
  for (const { name, shape } of specs) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const leaf = name.slice(name.lastIndexOf('.') + 1);
    if (leaf === 'running_var') data.fill(1);
    else if (leaf === 'running_mean' || leaf === 'bias') data.fill(0);
    else if (leaf === 'gamma') data.fill(layerScale);
    else if (shape.length <= 1) data.fill(1); // norm scales
    else if (family === 'resnet' && shape.length === 4) {
      const std = Math.sqrt(2 / (shape[0]! * shape[2]! * shape[3]!));
      for (let i = 0; i < n; i++) data[i] = normal() * std;
    } else if (family === 'resnet') {
      const b = 1 / Math.sqrt(shape[1]!);
      for (let i = 0; i < n; i++) data[i] = (rnd() * 2 - 1) * b;
    } else {
      for (let i = 0; i < n; i++) {
        let v = normal() * 0.02;
        while (Math.abs(v) > 0.04) v = normal() * 0.02;
        data[i] = v;
      }
    }
    out[name] = { shape: [...shape], data };
  }
  return out;
}
