// A model ready to run: the native graph of a registry entry with its checkpoint's weights installed.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

import { addon, EngineError, type Tensor } from '../native.js';
import { checkStateDict, loadCheckpoint, type LoadOptions } from './checkpoint/index.js';
import { type ConfigValue, findModel, type ModelEntry, remapKey } from './registry.js';

export interface ParamSpec {
  name: string;
  shape: number[];
}

export interface BlockRecord {
  name: string;
  shape: number[];
  mean: number;
  std: number;
  fmapVarBatchMean: number;
  fmapVarPerImage: number;
}

export interface RunOptions {
  /** Residual block indices to drop (lesion): branch removed, shortcut kept. */
  skipBlocks?: number[];
  recordBlocks?: boolean;
  /** Keep the last block's attention probabilities (ViT): (N, heads, T, T). */
  recordAttention?: boolean;
  /** Return the last feature map (N, h, w, C) before pooling and the head, in place of the logits. */
  featuresOnly?: boolean;
}

export interface ForwardResult {
  logits: Tensor;
  records?: BlockRecord[];
  attention?: Tensor;
}

export interface GradientResult extends ForwardResult {
  /** d(objective)/d(input), same layout as the input (N, H, W, 3) in pixel units. */
  grad: Tensor;
}

/** What inputGradient differentiates: a loss on labels (cross-entropy by default, or DLR), or <logits, dlogits>. */
export type GradientTarget = { labels: number[]; loss?: 'ce' | 'dlr' | 'dlr-targeted'; targets?: number[] } | { dlogits: Tensor };

interface NativeModel extends NativeTraining {
  paramSpecs(): ParamSpec[];
  setParams(p: Record<string, Tensor>): void;
  getParams(): Record<string, Tensor>;
  blockNames(): string[];
  forward(x: Tensor, opts?: RunOptions): Promise<ForwardResult>;
  inputGradient(x: Tensor, target: GradientTarget, opts?: RunOptions): Promise<GradientResult>;
  reparameterize(): boolean;
  depthwiseKernels(): { name: string; weight: Tensor }[];
  normalization(): { mean: number[]; std: number[] };
  toDevice(device: string): void;
}

/** Options of one training batch (native/nn/train.h). */
export interface TrainBatchOptions {
  labels: number[];
  /** torch.nn.CrossEntropyLoss label_smoothing. */
  labelSmoothing?: number;
  /** Batch-norm running-statistics momentum (PyTorch's rule; default 0.1). */
  bnMomentum?: number;
  /** Drop-path rate of the deepest residual block (linear from 0 over blocks, as timm). */
  dropPath?: number;
  /** Seed of the drop-path coins (an unsigned 32-bit integer). */
  seed?: number;
  /** false: gradients with the running statistics (batch-norm frozen). Default true. */
  training?: boolean;
  /** Also hand back this batch's gradients by key. */
  returnGrads?: boolean;
}

export interface TrainBatchResult {
  /** Mean label-smoothed cross-entropy over the batch. */
  loss: number;
  /** Samples whose arg-max logit is the label. */
  correct: number;
  logits: Tensor;
  grads?: Record<string, Tensor>;
}

/** torch.optim.SGD (momentum, dampening, nesterov) or torch.optim.AdamW; decay skips norms and biases (timm). */
export interface OptimizerOptions {
  kind: 'sgd' | 'adamw';
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Keep an EMA of the weights with this decay (0 = none). */
  emaDecay?: number;
}

interface NativeTraining {
  setOptimizer(o: OptimizerOptions): void;
  trainBatch(x: Tensor, o: TrainBatchOptions): Promise<TrainBatchResult>;
  optimizerStep(lr: number): void;
  optimizerState(): Record<string, Tensor>;
  loadOptimizerState(s: Record<string, Tensor>): void;
  emaParams(): Record<string, Tensor>;
  loadEmaParams(s: Record<string, Tensor>): void;
}

type NativeModelCtor = new (family: string, config: Record<string, ConfigValue>) => NativeModel;

export interface ModelOptions {
  /** Overrides of the entry's config by option name (e.g. { kernelSize: 13 } for ConvNeXt). */
  options?: Record<string, number>;
  /** Raw graph config keys over the entry's (e.g. { depths: [1, 1, 2, 1], dims: [...] }): small training configs. */
  config?: Record<string, ConfigValue>;
  /** Where the parameters live and the model runs: 'cpu' (default), 'cuda' or 'cuda:N'. */
  device?: string;
  /** The input normalisation (the model's first op) instead of the entry's, e.g. ImageNet mean/std for every
   * model as the released LKRobust scripts use (`--protocol released`). */
  normalization?: { mean: [number, number, number]; std: [number, number, number] };
}

export class Model {
  readonly entry: ModelEntry;
  readonly config: Record<string, ConfigValue>;
  private readonly native: NativeModel;

  constructor(name: string, opts: ModelOptions = {}) {
    this.entry = findModel(name);
    const norm = opts.normalization ?? this.entry.preprocess;
    const config: Record<string, ConfigValue> = { ...this.entry.config, mean: norm.mean, std: norm.std };
    for (const [k, v] of Object.entries(opts.options ?? {})) {
      const o = this.entry.options?.[k];
      if (!o) {
        throw new RangeError(`${name}: unknown option "${k}" (options: ${Object.keys(this.entry.options ?? {}).join(', ') || 'none'})`);
      }
      config[o.configKey] = v;
    }
    Object.assign(config, opts.config ?? {});
    this.config = config;
    const Ctor = addon().Model as NativeModelCtor;
    try {
      this.native = new Ctor(this.entry.family, config);
      // Checked before any weights are read: a missing CUDA build or GPU is reported by name, at once.
      if (opts.device !== undefined && opts.device !== 'cpu') this.native.toDevice(opts.device);
    } catch (e) {
      throw new EngineError((e as Error).message, (e as { code?: string }).code ?? 'LKR_ENGINE');
    }
  }

  /** Moves the parameters to 'cpu', 'cuda' or 'cuda:N' (once); inputs and results stay host tensors. */
  toDevice(device: string): void {
    try {
      this.native.toDevice(device);
    } catch (e) {
      throw new EngineError((e as Error).message, (e as { code?: string }).code ?? 'LKR_ENGINE');
    }
  }

  get name(): string {
    return this.entry.name;
  }
  paramSpecs(): ParamSpec[] {
    return this.native.paramSpecs();
  }
  blockNames(): string[] {
    return this.native.blockNames();
  }

  /** Installs weights by our key names (already remapped), checked against the graph's parameters. */
  setParams(params: Record<string, Tensor>): void {
    this.native.setParams(params);
  }
  getParams(): Record<string, Tensor> {
    return this.native.getParams();
  }

  /**
   * Loads a .safetensors or PyTorch checkpoint: finds the state dict, remaps official keys, reports missing,
   * unexpected and mis-shaped keys by name, converts F16/BF16/F64 to f32.
   */
  loadWeights(file: string, opts: LoadOptions = {}): { format: string; entry: string | null; ignored: string[] } {
    const ck = loadCheckpoint(file, opts);
    const keys = new Set(ck.tensors.keys());
    // A re-parameterised RepLKNet checkpoint (one fused kernel per block): switch the graph to the fused key set.
    if (this.entry.family === 'replknet' && [...keys].some((k) => k.includes('.lkb_reparam.'))) this.reparameterize();
    const remapped = new Map([...ck.tensors].map(([k, v]) => [remapKey(this.entry.family, k, keys), v]));
    const report = checkStateDict(remapped, this.paramSpecs(), file);
    const params: Record<string, Tensor> = {};
    for (const spec of this.paramSpecs()) {
      const t = remapped.get(spec.name)!;
      params[spec.name] = { shape: t.shape, data: t.data! };
    }
    this.setParams(params);
    return { format: ck.format, entry: ck.entry, ignored: report.unexpected };
  }

  forward(x: Tensor, opts: RunOptions = {}): Promise<ForwardResult> {
    return this.native.forward(x, opts);
  }

  /**
   * Logits and d(sum of cross-entropy over the batch)/dx for `labels`, or d<logits, dlogits>/dx, or the summed DLR
   * loss of AutoAttack (`loss: 'dlr'`, or `'dlr-targeted'` with `targets`; native/nn/margin_loss.h).
   */
  inputGradient(x: Tensor, target: GradientTarget, opts: RunOptions = {}): Promise<GradientResult> {
    return this.native.inputGradient(x, target, opts);
  }

  /** Structural re-parameterisation (RepLKNet): true when the graph changed. */
  reparameterize(): boolean {
    return this.native.reparameterize();
  }

  depthwiseKernels(): { name: string; weight: Tensor }[] {
    return this.native.depthwiseKernels();
  }

  /** The training calls of the native graph (src/train drives them). */
  get training(): NativeTraining {
    const n = this.native;
    const wrap =
      <A extends unknown[], R>(f: (...a: A) => R) =>
      (...a: A): R => {
        try {
          return f.apply(n, a);
        } catch (e) {
          throw new EngineError((e as Error).message, (e as { code?: string }).code ?? 'LKR_ENGINE');
        }
      };
    return {
      setOptimizer: wrap(n.setOptimizer),
      trainBatch: async (x, o) => {
        try {
          return await n.trainBatch(x, o);
        } catch (e) {
          throw new EngineError((e as Error).message, (e as { code?: string }).code ?? 'LKR_ENGINE');
        }
      },
      optimizerStep: wrap(n.optimizerStep),
      optimizerState: wrap(n.optimizerState),
      loadOptimizerState: wrap(n.loadOptimizerState),
      emaParams: wrap(n.emaParams),
      loadEmaParams: wrap(n.loadEmaParams),
    };
  }
}

/** sha256 of a weights file, for result provenance. */
export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}
