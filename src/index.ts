// The lkrobust library: `import { ... } from 'lkrobust'`.
export { EngineError, engineInfo, listOps, runOp, runOpSync, tensor } from './native.js';
export type { EngineInfo, OpAttrs, OpInfo, Tensor } from './native.js';
export { version } from './version.js';

// Models and checkpoints
export { Model, sha256File } from './models/model.js';
export type { BlockRecord, ForwardResult, GradientResult, ModelOptions, ParamSpec, RunOptions } from './models/model.js';
export { DEMO_MODEL, findModel, MODELS, remapKey } from './models/registry.js';
export type { Family, ModelEntry, Preprocess } from './models/registry.js';
export * from './models/checkpoint/index.js';

// Data
export * from './data/layouts.js';
export { batches, type Batch, type LoaderOptions } from './data/loader.js';
export { loadImages, loadImageInto, preprocessInto, pixelSettings, ImageDecodeError } from './data/preprocess.js';
export { readNpy, writeNpy, parseNpy, encodeNpy } from './data/npy.js';
export { parseShard, shardItems, limitItems, selectItems } from './data/select.js';

// Metrics (pure functions)
export * from './metrics/classification.js';
export * from './metrics/imagenet_c.js';
export * from './metrics/imagenet_p.js';
export * from './metrics/ood.js';
export * from './metrics/in9.js';

// Experiments
export { BENCHMARKS, prepareBenchmark } from './robustness/benchmarks.js';
export type { BenchmarkName, BenchmarkOptions, PreparedBenchmark } from './robustness/benchmarks.js';
export { runEval } from './robustness/eval.js';
