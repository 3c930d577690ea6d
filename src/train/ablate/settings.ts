// What `lkrobust ablate kernel-size` varies and what it keeps: one registry model per family, a small default
// graph, and the kernel sizes, checked against the first stage's feature map (both families' stems downsample by
// 4, so a kernel as large as that map would see nothing but padding beyond it).
import type { ConfigValue } from '../../models/registry.js';
import type { TrainConfig } from '../run.js';

export const ABLATE_FAMILIES = ['convnext', 'replknet'] as const;
export type AblateFamily = (typeof ABLATE_FAMILIES)[number];

/** The registry model each family trains (its graph, keys and preprocessing). */
export const FAMILY_MODEL: Record<AblateFamily, string> = { convnext: 'convnext_tiny', replknet: 'replknet_31b' };

/** Small graphs that train on a CPU in minutes per epoch at 128×128; `--config` replaces them. */
export const DEFAULT_CONFIG: Record<AblateFamily, Record<string, ConfigValue>> = {
  convnext: { depths: [1, 1, 2, 1], dims: [24, 48, 96, 192] },
  replknet: { layers: [1, 1, 2, 1], channels: [24, 48, 96, 192], small_kernel: 3 },
};

/** Both stems (ConvNeXt's 4×4 patchify, RepLKNet's two stride-2 convs) reduce the image side by 4. */
export const STEM_STRIDE = 4;

export function ablateError(msg: string): Error {
  return Object.assign(new RangeError(msg), { code: 'LKR_ARG' });
}

/** "3,7,13,31" -> [3, 7, 13, 31]: odd, positive, distinct, ascending (the first is the table's baseline). */
export function parseSizes(text: string): number[] {
  const sizes = text.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (sizes.length < 2) throw ablateError(`--sizes: expected at least two kernel sizes, e.g. 3,7,13,31; received "${text}"`);
  for (const k of sizes) {
    if (!Number.isInteger(k) || k < 1 || k % 2 === 0) throw ablateError(`--sizes: kernel sizes must be odd positive integers, received ${k}`);
  }
  if (new Set(sizes).size !== sizes.length) throw ablateError(`--sizes: a kernel size is repeated in "${text}"`);
  return [...sizes].sort((a, b) => a - b);
}

/** Refuses sizes whose largest kernel is not smaller than the first stage's feature map at this image size. */
export function checkSizesFit(sizes: number[], imageSize: number): void {
  const map = Math.floor(imageSize / STEM_STRIDE);
  const largest = sizes[sizes.length - 1]!;
  if (largest >= map) {
    const needed = (largest + 1) * STEM_STRIDE;
    throw ablateError(
      `--sizes: the largest kernel (${largest}) must be smaller than the first stage's feature map, which is ${map}×${map} ` +
        `at --size ${imageSize} (the stem downsamples by ${STEM_STRIDE}); use --size ${needed} or more, or smaller kernels`,
    );
  }
}

/** The run's training settings with only the kernel size changed. */
export function withKernelSize(base: TrainConfig, family: AblateFamily, k: number): TrainConfig {
  if (family === 'convnext') return { ...base, kernelSize: k };
  // RepLKNet: every stage's large kernel is k (the small parallel kernel, when larger than k, shrinks to k).
  const small = base.config.small_kernel;
  const config: Record<string, ConfigValue> = { ...base.config, kernels: [k, k, k, k] };
  if (typeof small === 'number' && small > k) config.small_kernel = k;
  return { ...base, kernelSize: undefined, config };
}
