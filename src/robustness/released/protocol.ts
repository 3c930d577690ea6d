// `--protocol released`: the settings under which each analysis and attack follows the authors' released
// LKRobust scripts ([LK] Lauch1ng/LKRobust, REFERENCE.md §6) step for step, instead of the paper's definitions
// (the default, `paper`). Every setting that follows from the protocol is returned as `settings`, which the
// commands write into results.json.
import type { Preprocess } from '../../models/registry.js';

export const PROTOCOLS = ['paper', 'released'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** The released scripts normalise with ImageNet mean/std for every model (ViT's 0.5/0.5 included). */
export const IMAGENET_NORMALIZATION = { mean: [0.485, 0.456, 0.406] as [number, number, number], std: [0.229, 0.224, 0.225] as [number, number, number] };

export interface ReleasedSettings {
  /** How images are read: torchvision Resize(256[, interpolation]) → CenterCrop(224), or TAIG's warp. */
  preprocess: Preprocess;
  /** TAIG crafting: Resize((256, 256)) (a warp) then CenterCrop(224), which `preprocess` alone cannot say. */
  warpThenCrop?: { warp: number; crop: number };
  normalization: typeof IMAGENET_NORMALIZATION;
  /** Everything the protocol fixes, for results.json. */
  settings: Record<string, unknown>;
}

const resize256 = (interpolation: 'bilinear' | 'bicubic'): Preprocess => ({
  inputSize: 224,
  cropPct: 224 / 256,
  interpolation,
  mean: IMAGENET_NORMALIZATION.mean,
  std: IMAGENET_NORMALIZATION.std,
});

export class ProtocolError extends RangeError {
  readonly code = 'LKR_ARG';
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/** The released settings of an analysis; a named error for the analyses that have no released script. */
export function releasedAnalysis(analysis: string): ReleasedSettings {
  const norm = IMAGENET_NORMALIZATION;
  switch (analysis) {
    case 'occlusion':
      return {
        preprocess: resize256('bilinear'),
        normalization: norm,
        settings: {
          script: 'occlusion_invariance/evaluate.py',
          loader: 'Resize(256) bilinear -> CenterCrop(224) -> ToTensor (every model, RepLKNet included)',
          normalization: norm,
          saliency_normalization: norm,
        },
      };
    case 'feature-variance':
      return {
        preprocess: resize256('bilinear'),
        normalization: norm,
        settings: {
          script: 'feature_map_variance/main.py',
          loader: 'Resize(256) bilinear -> CenterCrop(224) -> Normalize(ImageNet)',
          normalization: norm,
          sweeps: 10,
          dataset_size: 1280,
          batch: 128,
          seed: 0,
          permutations: 'torch.manual_seed(0); torch.randperm(1280) per sweep',
          kept: 'the last batch of each sweep (the loop overwrites the others)',
          variance: 'batch mean map per sweep -> unbiased spatial variance -> mean over sweeps and channels',
          last_layer_dropped: true,
        },
      };
    case 'lesion':
      return {
        preprocess: resize256('bicubic'),
        normalization: norm,
        settings: { script: 'lession_study/main_lession_replk.py', loader: 'Resize(256) bicubic -> CenterCrop(224) -> Normalize(ImageNet)', normalization: norm, candidates: 'released' },
      };
    case 'kernel-distance':
      return {
        preprocess: resize256('bicubic'),
        normalization: norm,
        settings: { script: 'kernel_attention_pattern/kernel_atten_dis.py', branch: 'large', definition: 'code', weights: 'lkb_origin.conv.weight, before BN fusion' },
      };
    default:
      throw new ProtocolError(`--protocol released: LKRobust released no script for ${analysis} (REFERENCE.md §6); use --protocol paper`);
  }
}

/** The released settings of an attack: FGSM/PGD as adversarial_attack/main.py, TAIG as TAIG_attack.py + TAIG_test.py. */
export function releasedAttack(attack: string): ReleasedSettings {
  const norm = IMAGENET_NORMALIZATION;
  if (attack === 'fgsm' || attack === 'pgd') {
    return {
      preprocess: resize256('bicubic'),
      normalization: norm,
      settings: { script: 'adversarial_attack/main.py', loader: 'Resize(256) bicubic -> CenterCrop(224) -> Normalize(ImageNet)', normalization: norm },
    };
  }
  if (attack === 'taig-s' || attack === 'taig-r') {
    return {
      preprocess: { inputSize: 256, cropPct: 1, interpolation: 'bilinear', warp: true, mean: norm.mean, std: norm.std },
      warpThenCrop: { warp: 256, crop: 224 },
      normalization: norm,
      settings: {
        script: 'adversarial_attack/TAIG/TAIG_attack.py, TAIG_test.py',
        crafting_loader: 'Resize((256, 256)) bilinear warp -> CenterCrop(224) -> ToTensor',
        normalization: norm,
        saved: 'round(x * 255) to uint8 (half to even), no re-projection into the eps-ball',
        scoring: 'uint8 / 255 -> torch bicubic resize to 256x256 (a = -0.75, align_corners False, no antialias, not clamped) -> CenterCrop(224) -> Normalize(ImageNet) -> argmax',
        success_rate: 'prediction != label over all images',
      },
    };
  }
  throw new ProtocolError(`--protocol released: no released script for attack ${attack}`);
}
