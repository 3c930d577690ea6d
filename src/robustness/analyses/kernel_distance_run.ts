// Kernel attention distance of every depthwise layer of a model, from its weights alone.
import type { Model } from '../../models/model.js';
import { type DistanceDefinition, kernelDistances } from './kernel_distance.js';

export type Branch = 'applied' | 'large';

export interface KernelDistanceLayer {
  name: string;
  kernel: number;
  distances: number[];
}

/**
 * `applied`: the kernel the model applies (RepLKNet: re-parameterised, large + padded small branch after BN
 * folding); `large`: the large branch's raw conv weight, as the released code reads it.
 */
export function kernelDistanceLayers(model: Model, branch: Branch, definition: DistanceDefinition): KernelDistanceLayer[] {
  const params = model.getParams();
  let kernels: { name: string; weight: { shape: number[]; data: Float32Array } }[];
  if (branch === 'large') {
    kernels = Object.entries(params)
      .filter(([k, v]) => /large_kernel\.lkb_origin\.conv\.weight$|conv_dw\.weight$/.test(k) && v.shape[1] === 1)
      .map(([k, v]) => ({ name: k.replace(/\.lkb_origin\.conv\.weight$|\.weight$/, ''), weight: v }));
  } else {
    kernels = model.depthwiseKernels();
    if (!kernels.length) {
      // Families without branches apply their depthwise weights as they are.
      kernels = Object.entries(params)
        .filter(([k, v]) => /conv_dw\.weight$/.test(k) && v.shape.length === 4 && v.shape[1] === 1)
        .map(([k, v]) => ({ name: k.replace(/\.weight$/, ''), weight: v }));
    }
  }
  if (!kernels.length) throw new RangeError(`${model.name}: no depthwise kernels found (kernel distance applies to ConvNeXt and RepLKNet)`);
  return kernels.map((k) => ({ name: k.name, kernel: k.weight.shape[k.weight.shape.length - 1], distances: kernelDistances(k.weight.data, k.weight.shape, definition) }));
}
