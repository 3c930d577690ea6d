// Official checkpoints of the registry's models, by tag (timm's `arch.tag` idea): where the publisher serves
// them, in which format, under which licence, the ImageNet-1k top-1 the publisher states, and the hash the
// publisher states where there is one. Facts and their sources: docs/MODELS.md. Nothing here is guessed: a field
// we could not check says so (`unverified`).
export type WeightsFormat = 'pth' | 'safetensors';

/** How a downloaded file is checked against its publisher. */
export type PublisherHash =
  /** torch.hub: the file name carries the first hex digits of the file's sha256 (`resnet50-0676ba61.pth`). */
  | 'name-prefix'
  /** Hugging Face: an LFS file's sha256 is its ETag (X-Linked-Etag) and its blob name in the HF cache. */
  | 'hf-lfs'
  /** None stated: the sha256 recorded at the first download is checked on every later use. */
  | 'recorded';

export interface HfFile {
  repo: string;
  file: string;
  revision: string;
}

export interface OfficialWeights {
  model: string;
  tag: string;
  /** The tag `--weights official` picks for this model. */
  default: boolean;
  publisher: string;
  licence: string;
  format: WeightsFormat;
  /** The file name users know it by (and the torch hub cache uses). */
  file: string;
  /** Direct download URL; for Hugging Face files, the /resolve/ URL of `hf`. */
  url: string;
  hf?: HfFile;
  hash: PublisherHash;
  /** A full sha256 stated by the publisher (or by an LKR_WEIGHTS_INDEX entry), checked before the rules of `hash`. */
  sha256?: string;
  /** Published ImageNet-1k top-1 (%) at the registry's preprocessing, or null (no classifier head / not stated). */
  top1: number | null;
  /** Where top1 comes from. */
  top1Source: string;
  /** The paper's model this is, where it is one, and for which tables. */
  paper?: string;
  /** Things a user must know: a preprocessing that differs from the registry row, a manual step, an unverified fact. */
  notes?: string;
}

const TORCHVISION = 'torchvision (pytorch/vision), BSD-3-Clause';
const TIMM_CSV = 'timm results/results-imagenet.csv (aa4b585), at the registry resolution';

const hfUrl = (h: HfFile) => `https://huggingface.co/${h.repo}/resolve/${h.revision}/${h.file}`;

/** A timm checkpoint on the Hugging Face hub (`timm/<arch>.<tag>`, model.safetensors). */
function timmHub(model: string, tag: string, o: { top1: number | null; isDefault?: boolean; paper?: string; notes?: string; publisher?: string }): OfficialWeights {
  const hf = { repo: `timm/${model.replace(/\.dino$/, '')}.${tag}`, file: 'model.safetensors', revision: 'main' };
  return {
    model,
    tag,
    default: o.isDefault ?? false,
    publisher: o.publisher ?? 'timm (Hugging Face hub)',
    licence: 'Apache-2.0',
    format: 'safetensors',
    file: 'model.safetensors',
    url: hfUrl(hf),
    hf,
    hash: 'hf-lfs',
    top1: o.top1,
    top1Source: o.top1 === null ? 'none (no classifier head)' : TIMM_CSV,
    ...(o.paper ? { paper: o.paper } : {}),
    ...(o.notes ? { notes: o.notes } : {}),
  };
}

/** A RepLKNet release: Google Drive only (DingXiaoH/RepLKNet-pytorch README, commit 009f1d6). */
function replknetDrive(model: string, tag: string, file: string, driveId: string, top1: number, isDefault: boolean, paper?: string): OfficialWeights {
  return {
    model,
    tag,
    default: isDefault,
    publisher: 'DingXiaoH/RepLKNet-pytorch (Google Drive; Baidu mirror in the README)',
    licence: 'MIT',
    format: 'pth',
    file,
    url: `https://drive.google.com/uc?export=download&id=${driveId}`,
    hash: 'recorded',
    top1,
    top1Source: 'RepLKNet-pytorch README results table',
    ...(paper ? { paper } : {}),
    notes:
      `Google Drive file ${driveId} (https://drive.google.com/file/d/${driveId}/view). Drive answers large files with an HTML ` +
      'confirmation page, which lkrobust refuses: download it in a browser and put it where `lkrobust weights path` says. ' +
      'The direct uc?export=download form is unverified for these files.',
  };
}

export const OFFICIAL_WEIGHTS: readonly OfficialWeights[] = [
  // torchvision: URLs, file-name hashes and acc@1 from torchvision/models/{resnet,alexnet}.py (0.28).
  {
    model: 'resnet50', tag: 'tv_in1k', default: true, publisher: TORCHVISION, licence: 'BSD-3-Clause', format: 'pth',
    file: 'resnet50-0676ba61.pth', url: 'https://download.pytorch.org/models/resnet50-0676ba61.pth', hash: 'name-prefix',
    top1: 76.13, top1Source: 'torchvision ResNet50_Weights.IMAGENET1K_V1 acc@1', paper: 'ResNet-50 (Tables 1-3)',
  },
  {
    model: 'resnet50', tag: 'tv2_in1k', default: false, publisher: TORCHVISION, licence: 'BSD-3-Clause', format: 'pth',
    file: 'resnet50-11ad3fa6.pth', url: 'https://download.pytorch.org/models/resnet50-11ad3fa6.pth', hash: 'name-prefix',
    top1: 80.858, top1Source: 'torchvision ResNet50_Weights.IMAGENET1K_V2 acc@1',
    notes: 'published at resize 232 (the registry row resizes to 256): expect a slightly different top-1',
  },
  {
    model: 'resnet50', tag: 'a1_in1k', default: false, publisher: 'timm (GitHub release v0.1-rsb-weights)', licence: 'Apache-2.0', format: 'pth',
    file: 'resnet50_a1_0-14fe96d1.pth', url: 'https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-rsb-weights/resnet50_a1_0-14fe96d1.pth',
    hash: 'name-prefix', top1: 80.382, top1Source: `${TIMM_CSV} (224, crop 0.95, bicubic)`, paper: 'ResNet-50 of Table 4 (TAIG)',
    notes: 'timm evaluates it at crop 0.95, bicubic; the registry row is torchvision\'s 0.875, bilinear. The same weights are on the HF hub as timm/resnet50.a1_in1k.',
  },
  {
    model: 'alexnet', tag: 'tv_in1k', default: true, publisher: TORCHVISION, licence: 'BSD-3-Clause', format: 'pth',
    file: 'alexnet-owt-7be5be79.pth', url: 'https://download.pytorch.org/models/alexnet-owt-7be5be79.pth', hash: 'name-prefix',
    top1: 56.522, top1Source: 'torchvision AlexNet_Weights.IMAGENET1K_V1 acc@1',
    notes: 'ImageNet-C/-P normalised by the 2017 file alexnet-owt-4df8aa71.pth (clean error 43.45%); its URL is not in current torchvision (unverified)',
  },
  // ConvNeXt: timm HF hub (facts from timm 1.0.29 pretrained cfgs); the Facebook originals are at
  // dl.fbaipublicfiles.com/convnext/convnext_<size>_22k_1k_224.pth (keys remapped at load).
  ...(['tiny', 'small', 'base', 'large'] as const).flatMap((size) => {
    const top = { tiny: [82.9, 82.066], small: [84.582, 83.144], base: [85.814, 83.838], large: [86.612, 84.304] }[size];
    const paper = size === 'base' ? 'ConvNeXt-B (Table 6)' : size === 'large' ? 'ConvNeXt-L (Table 6)' : undefined;
    return [
      timmHub(`convnext_${size}`, 'fb_in22k_ft_in1k', { top1: top[0], isDefault: true, paper }),
      timmHub(`convnext_${size}`, 'fb_in1k', { top1: top[1] }),
    ];
  }),
  timmHub('vit_small_patch16_224', 'augreg_in21k_ft_in1k', { top1: 81.402, isDefault: true }),
  timmHub('vit_base_patch16_224', 'augreg2_in21k_ft_in1k', { top1: 85.108, isDefault: true, paper: 'ViT-B/16 (Tables 4-6; which timm tag the paper used is unverified)' }),
  timmHub('vit_base_patch16_224', 'augreg_in21k_ft_in1k', { top1: 84.534 }),
  timmHub('vit_base_patch16_224', 'orig_in21k_ft_in1k', { top1: 81.782, notes: 'the original Google ViT-B/16 (2020)' }),
  timmHub('vit_large_patch16_224', 'augreg_in21k_ft_in1k', { top1: 85.856, isDefault: true, paper: 'ViT-L/16 (Tables 1-4, 6)' }),
  timmHub('vit_small_patch16_224.dino', 'dino', {
    top1: null, isDefault: true, publisher: 'facebookresearch/dino via timm (Hugging Face hub)', paper: 'saliency model of the occlusion study (Fig. 4, Table 5)',
    notes: 'the same weights as https://dl.fbaipublicfiles.com/dino/dino_deitsmall16_pretrain/dino_deitsmall16_pretrain.pth (DINO README: k-NN 74.5, linear 77.0); timm evaluates at crop 0.9, the registry at 0.875 as DINO\'s own eval',
  }),
  ...([[50, 1, 80.386], [50, 3, 83.982], [101, 1, 82.332], [101, 3, 84.43], [152, 2, 84.468], [152, 4, 84.936]] as const).map(([d, w, top1]) =>
    timmHub(`resnetv2_${d}x${w}_bit`, 'goog_in21k_ft_in1k', {
      top1,
      isDefault: true,
      paper: d === 101 && w === 3 ? 'BiT-M R101x3 (Tables 1-3)' : d === 152 && w === 4 ? 'BiT-M R152x4 (Tables 4, 6)' : undefined,
      notes: 'converted by timm from Google\'s BiT-M .npz (storage.googleapis.com/bit_models); the .npz itself is not a format lkrobust reads',
    }),
  ),
  replknetDrive('replknet_31b', 'in22k_ft_in1k_224', 'RepLKNet-31B_ImageNet-22K-to-1K_224.pth', '1DslZ2voXZQR1QoFY9KnbsHAeF84hzS0s', 85.2, true, 'RepLKNet-31B (Tables 1-6, attacks, occlusion, lesion)'),
  replknetDrive('replknet_31b', 'in1k_224', 'RepLKNet-31B_ImageNet-1K_224.pth', '1azQUiCxK9feYVkkrPqwVPBtNsTzDrX7S', 83.5, false, 'RepLKNet-31B of the kernel-distance and feature-variance figures'),
  replknetDrive('replknet_31l', 'in22k_ft_in1k_384', 'RepLKNet-31L_ImageNet-22K-to-1K_384.pth', '1JYXoNHuRvC33QV1pmpzMTKEni1hpWfBl', 86.6, true, 'RepLKNet-31L (Table 6, at 384)'),
  replknetDrive('replknet_xl', 'megdata73m_ft_in1k_320', 'RepLKNet-XL_MegData73M_ImageNet1K.pth', '1tPC60El34GntXByIRHb-z-Apm4Y5LX1T', 87.8, true),
];

/** Models of the registry with no published weights, and why. */
export const NO_OFFICIAL_WEIGHTS: Readonly<Record<string, string>> = {
  replknet_31b_k3: "the paper's RepLKNet-3B was trained by its authors and not released: train it yourself",
  lkr_demo_convnext: 'the synthetic pipeline demo model: `lkrobust demo --synthetic` writes seeded random weights',
  lkr_fmnist_convnext_k3: 'trained by lkrobust itself for `lkrobust demo`: shipped in data/demo/ (scripts/train-demo-models.sh)',
  lkr_fmnist_convnext_k7: 'trained by lkrobust itself for `lkrobust demo`: shipped in data/demo/ (scripts/train-demo-models.sh)',
};
