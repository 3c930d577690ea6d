// Models by timm-style name: architecture config for the native graph, preprocessing from the pretrained
// config, and how checkpoint keys map to ours. Facts: REFERENCE.md §1 (one row per model, as timm's
// default_cfgs do).
export type Family = 'alexnet' | 'convnext' | 'replknet' | 'resnet' | 'resnetv2' | 'vit';
export type Interpolation = 'bicubic' | 'bilinear';
export type ConfigValue = number | number[] | string;

export interface Preprocess {
  inputSize: number;
  /** Resize the shorter side to inputSize / cropPct, then centre-crop inputSize (1.0: no crop margin). */
  cropPct: number;
  interpolation: Interpolation;
  mean: [number, number, number];
  std: [number, number, number];
  /** Resize straight to inputSize x inputSize (no aspect kept, no crop), as the official evals do at 384+. */
  warp?: boolean;
  /** timm's eval crop_mode (default `center`; `warp` is `squash` at cropPct 1.0). */
  cropMode?: CropMode;
}

/** timm's eval crop modes: `center` (shorter side to inputSize / cropPct, centre crop), `squash` (both sides
 *  to inputSize / cropPct, centre crop), `border` (longer side to inputSize / cropPct, pad with the mean). */
export type CropMode = 'center' | 'squash' | 'border';

export interface ModelEntry {
  name: string;
  family: Family;
  description: string;
  config: Record<string, ConfigValue>;
  preprocess: Preprocess;
  numClasses: number;
  /** Where trained weights come from (informational). */
  weights: string;
  /** Whose definition the graph and checkpoint key names follow, when not timm's. */
  source?: 'official' | 'torchvision';
  /** Options the user may set (e.g. ConvNeXt's kernel size). */
  options?: Record<string, { describe: string; configKey: string }>;
}

const IMAGENET: Pick<Preprocess, 'mean' | 'std'> = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const HALF: Pick<Preprocess, 'mean' | 'std'> = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };

const replknet = (name: string, description: string, config: Record<string, ConfigValue>, preprocess: Preprocess, weights: string): ModelEntry => ({
  name,
  family: 'replknet',
  source: 'official',
  description,
  config: { ffn_ratio: 4, num_classes: 1000, ...config },
  preprocess,
  numClasses: 1000,
  weights,
});

const convnext = (size: string, depths: number[], dims: number[]): ModelEntry => ({
  name: `convnext_${size}`,
  family: 'convnext',
  description: `ConvNeXt-${size[0].toUpperCase()} (depths ${depths.join('/')}, dims ${dims.join('/')}), depthwise kernel 7 by default`,
  config: { depths, dims, kernel_size: 7, num_classes: 1000 },
  preprocess: { inputSize: 224, cropPct: 0.875, interpolation: 'bicubic', ...IMAGENET },
  numClasses: 1000,
  weights: `timm convnext_${size}.fb_in22k_ft_in1k (or the official .pth: keys are remapped)`,
  options: { kernelSize: { describe: 'depthwise kernel size (odd: 3, 7, 13, 31, 51, ...)', configKey: 'kernel_size' } },
});

const vit = (size: 'small' | 'base' | 'large', dim: number, depth: number, heads: number): ModelEntry => ({
  name: `vit_${size}_patch16_224`,
  family: 'vit',
  description: `ViT-${size[0].toUpperCase()}/16 at 224 (dim ${dim}, depth ${depth}, heads ${heads})`,
  config: { dim, depth, heads, patch: 16, img_size: 224, num_classes: 1000 },
  preprocess: { inputSize: 224, cropPct: 0.9, interpolation: 'bicubic', ...HALF },
  numClasses: 1000,
  weights: `timm vit_${size}_patch16_224.augreg${size === 'base' ? '2' : ''}_in21k_ft_in1k`,
});

// BiT-M (ImageNet-21k, fine-tuned on 1k): preprocessing from timm's goog_in21k_ft_in1k cfgs, 448 (152x4: 480),
// crop 1.0, bilinear. (timm's default tag of 50x1 and 152x2 is a distilled / teacher model at 224 instead.)
const bit = (depth: 50 | 101 | 152, wf: number, size: number): ModelEntry => ({
  name: `resnetv2_${depth}x${wf}_bit`,
  family: 'resnetv2',
  description: `BiT-M R${depth}x${wf} (pre-activation ResNetV2, GroupNorm, weight-standardised convs)`,
  config: { layers: { 50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3] }[depth], width_factor: wf, num_classes: 1000 },
  preprocess: { inputSize: size, cropPct: 1.0, interpolation: 'bilinear', ...HALF },
  numClasses: 1000,
  weights: `timm resnetv2_${depth}x${wf}_bit.goog_in21k_ft_in1k`,
});

// The two models `lkrobust demo` ships (data/demo/, made by scripts/train-demo-models.sh): the kernel-size
// ablation's small ConvNeXt trained on Fashion-MNIST at 32 px, identical but for the depthwise kernel. The graph
// and the input normalisation are convnext_tiny's as `train --model convnext_tiny --config ...` builds them.
const fashionMnistConvnext = (k: number): ModelEntry => ({
  name: `lkr_fmnist_convnext_k${k}`,
  family: 'convnext',
  description: `a small ConvNeXt (depths 1/1/2/1, dims 24/48/96/192, kernel ${k}) trained on Fashion-MNIST at 32 px: the demo's ${k === 3 ? 'small' : 'large'}-kernel model`,
  config: { depths: [1, 1, 2, 1], dims: [24, 48, 96, 192], kernel_size: k, num_classes: 10 },
  preprocess: { inputSize: 32, cropPct: 1.0, interpolation: 'bilinear', warp: true, ...IMAGENET },
  numClasses: 10,
  weights: `shipped: data/demo/lkr_fmnist_convnext_k${k}.safetensors (scripts/train-demo-models.sh)`,
});

export const MODELS: readonly ModelEntry[] = [
  replknet('replknet_31b', 'RepLKNet-31B: kernels 31/29/27/13 with a parallel 5x5 branch', { kernels: [31, 29, 27, 13], layers: [2, 2, 18, 2], channels: [128, 256, 512, 1024], small_kernel: 5, dw_ratio: 1 },
    { inputSize: 224, cropPct: 0.875, interpolation: 'bicubic', ...IMAGENET }, 'official RepLKNet-31B_ImageNet-22K-to-1K_224.pth (or _ImageNet-1K_224)'),
  replknet('replknet_31l', 'RepLKNet-31L at 384 (the official 22K-to-1K checkpoint)', { kernels: [31, 29, 27, 13], layers: [2, 2, 18, 2], channels: [192, 384, 768, 1536], small_kernel: 5, dw_ratio: 1 },
    { inputSize: 384, cropPct: 1.0, interpolation: 'bicubic', warp: true, ...IMAGENET }, 'official RepLKNet-31L_ImageNet-22K-to-1K_384.pth'),
  replknet('replknet_xl', 'RepLKNet-XL at 320: kernels 27/27/27/13, no small branch, dw_ratio 1.5', { kernels: [27, 27, 27, 13], layers: [2, 2, 18, 2], channels: [256, 512, 1024, 2048], small_kernel: 0, dw_ratio: 1.5 },
    { inputSize: 320, cropPct: 0.875, interpolation: 'bicubic', ...HALF }, 'official RepLKNet-XL_MegData73M_ImageNet1K_320.pth'),
  replknet('replknet_31b_k3', "RepLKNet-31B with every large kernel 3x3 and no small branch (the paper's RepLKNet-3B)", { kernels: [3, 3, 3, 3], layers: [2, 2, 18, 2], channels: [128, 256, 512, 1024], small_kernel: 0, dw_ratio: 1 },
    { inputSize: 224, cropPct: 0.875, interpolation: 'bicubic', ...IMAGENET }, 'none published (train it yourself)'),
  convnext('tiny', [3, 3, 9, 3], [96, 192, 384, 768]),
  convnext('small', [3, 3, 27, 3], [96, 192, 384, 768]),
  convnext('base', [3, 3, 27, 3], [128, 256, 512, 1024]),
  convnext('large', [3, 3, 27, 3], [192, 384, 768, 1536]),
  vit('small', 384, 12, 6),
  vit('base', 768, 12, 12),
  vit('large', 1024, 24, 16),
  {
    name: 'vit_small_patch16_224.dino',
    family: 'vit',
    description: 'DINO ViT-S/16 backbone (no head: outputs the normed class token; last-block attention for saliency)',
    config: { dim: 384, depth: 12, heads: 6, patch: 16, img_size: 224, num_classes: 0 },
    preprocess: { inputSize: 224, cropPct: 0.875, interpolation: 'bicubic', ...IMAGENET },
    numClasses: 0,
    weights: 'dino_deitsmall16_pretrain.pth (timm vit_small_patch16_224.dino)',
  },
  {
    name: 'resnet50',
    family: 'resnet',
    description: 'ResNet-50 v1.5 (torchvision / timm keys)',
    config: { layers: [3, 4, 6, 3], num_classes: 1000 },
    preprocess: { inputSize: 224, cropPct: 0.875, interpolation: 'bilinear', ...IMAGENET },
    numClasses: 1000,
    weights: 'torchvision resnet50-0676ba61.pth (timm resnet50.tv_in1k); timm a1_in1k uses bicubic at crop 0.95',
  },
  bit(50, 1, 448),
  bit(50, 3, 448),
  bit(101, 1, 448),
  bit(101, 3, 448),
  bit(152, 2, 448),
  bit(152, 4, 480),
  {
    name: 'alexnet',
    family: 'alexnet',
    description: 'torchvision AlexNet: the baseline that ImageNet-C and -P errors are normalised by',
    config: { num_classes: 1000 },
    preprocess: { inputSize: 224, cropPct: 0.875, interpolation: 'bilinear', ...IMAGENET },
    numClasses: 1000,
    weights: 'torchvision alexnet-owt-4df8aa71.pth, the weights ImageNet-C/-P used (keys features.{0,3,6,8,10}, classifier.{1,4,6}); current torchvision downloads alexnet-owt-7be5be79.pth, same keys',
    source: 'torchvision',
  },
  fashionMnistConvnext(3),
  fashionMnistConvnext(7),
];

/** A small built-in model for the demo and tests: ConvNeXt graph, tiny widths, no published weights. */
export const DEMO_MODEL: ModelEntry = {
  name: 'lkr_demo_convnext',
  family: 'convnext',
  description: 'a tiny ConvNeXt (depths 1/1/1/1, dims 16/32/64/128) for the demo; its weights are random until trained',
  config: { depths: [1, 1, 1, 1], dims: [16, 32, 64, 128], kernel_size: 7, num_classes: 1000 },
  preprocess: { inputSize: 224, cropPct: 0.875, interpolation: 'bicubic', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  numClasses: 1000,
  weights: 'none: `lkrobust demo` writes seeded random weights',
  options: { kernelSize: { describe: 'depthwise kernel size', configKey: 'kernel_size' } },
};

export function findModel(name: string): ModelEntry {
  const m = MODELS.find((e) => e.name === name) ?? (name === DEMO_MODEL.name ? DEMO_MODEL : undefined);
  if (!m) {
    const close = MODELS.filter((e) => e.name.startsWith(name.split(/[_.]/)[0])).map((e) => e.name);
    throw new RangeError(
      `unknown model "${name}"` + (close.length ? ` (did you mean ${close.join(', ')}?)` : '') + '; `lkrobust models` lists them',
    );
  }
  return m;
}

/** Checkpoint key -> our key for a family (timm's checkpoint_filter_fn idea); identity when already ours. */
export function remapKey(family: Family, key: string, allKeys: ReadonlySet<string>): string {
  if (family === 'convnext' && !allKeys.has('head.norm.weight')) {
    // Official ConvNeXt layout -> timm's (REFERENCE.md §1.2).
    return key
      .replace(/^downsample_layers\.0\./, 'stem.')
      .replace(/^stages\.(\d+)\.(\d+)\./, 'stages.$1.blocks.$2.')
      .replace(/^downsample_layers\.(\d+)\./, 'stages.$1.downsample.')
      .replace(/\.dwconv\./, '.conv_dw.')
      .replace(/\.pwconv(\d)\./, '.mlp.fc$1.')
      .replace(/^head\./, 'head.fc.')
      .replace(/^norm\./, 'head.norm.');
  }
  return key;
}
