// Gradient accumulation and the fused optimiser without the oracle: two half batches accumulated give the same
// SGD step as the full batch (ConvNeXt: no batch statistics, the loss is a batch mean), and a frozen parameter
// set (lr 0) stays bit-identical while buffers are untouched by the optimiser.
import t from 'tap';

import { Model } from '../../src/models/model.js';
import type { Tensor } from '../../src/native.js';
import { initialParams } from '../../src/train/init.js';
import { mulberry32 } from '../../src/util/rng.js';
import { relL2 } from '../helpers/tensor.js';

const config = { depths: [1, 1, 1, 1], dims: [8, 16, 16, 24], kernel_size: 7, num_classes: 5 };

function batch(n: number, seed: number): { x: Tensor; labels: number[] } {
  const r = mulberry32(seed);
  const data = Float32Array.from({ length: n * 32 * 32 * 3 }, () => r());
  return { x: { shape: [n, 32, 32, 3], data }, labels: Array.from({ length: n }, () => Math.floor(r() * 5)) };
}

function slice(b: { x: Tensor; labels: number[] }, from: number, to: number) {
  const per = 32 * 32 * 3;
  return { x: { shape: [to - from, 32, 32, 3], data: b.x.data.slice(from * per, to * per) }, labels: b.labels.slice(from, to) };
}

function model(): Model {
  const m = new Model('convnext_tiny', { config });
  // Layer scale 0.5 so every block carries gradient.
  m.setParams(initialParams('convnext', m.paramSpecs(), 3, 0.5));
  return m;
}

t.test('two accumulated half batches step like one full batch', async (t) => {
  const b = batch(8, 11);
  const full = model();
  full.training.setOptimizer({ kind: 'sgd' });
  await full.training.trainBatch(b.x, { labels: b.labels });
  full.training.optimizerStep(0.5);
  const acc = model();
  acc.training.setOptimizer({ kind: 'sgd' });
  await acc.training.trainBatch(slice(b, 0, 4).x, { labels: slice(b, 0, 4).labels });
  await acc.training.trainBatch(slice(b, 4, 8).x, { labels: slice(b, 4, 8).labels });
  acc.training.optimizerStep(0.5);
  const p0 = model().getParams();
  const pf = full.getParams();
  const pa = acc.getParams();
  let worst = 0;
  let moved = 0;
  for (const k of Object.keys(pf)) {
    const df = pf[k]!.data.map((v, i) => v - p0[k]!.data[i]!);
    const da = pa[k]!.data.map((v, i) => v - p0[k]!.data[i]!);
    if (relL2(df, new Float32Array(df.length)) > 0) moved++;
    worst = Math.max(worst, relL2(da, df));
  }
  t.ok(moved > Object.keys(pf).length / 2, `most parameters moved (${moved})`);
  t.ok(worst <= 1e-4, `update of accumulated gradients equals the full batch's (worst rel. L2 ${worst.toExponential(2)})`);
});

t.test('a step without gradients is refused; lr 0 leaves weights bit-identical', async (t) => {
  const m = model();
  t.throws(() => m.training.optimizerStep(0.1), { code: 'LKR_ARG' }, 'no optimiser yet');
  m.training.setOptimizer({ kind: 'adamw', weightDecay: 0.05 });
  t.throws(() => m.training.optimizerStep(0.1), /without gradients/);
  const before = m.getParams();
  const b = batch(4, 5);
  await m.training.trainBatch(b.x, { labels: b.labels });
  m.training.optimizerStep(0);
  const after = m.getParams();
  for (const k of Object.keys(before)) t.same(Buffer.from(after[k]!.data.buffer), Buffer.from(before[k]!.data.buffer), k);
});

t.test('training is refused with a named error for families not yet trainable', async (t) => {
  const m = new Model('alexnet', { config: { num_classes: 3 } });
  m.setParams(initialParams('alexnet', m.paramSpecs(), 1));
  m.training.setOptimizer({ kind: 'sgd' });
  await t.rejects(m.training.trainBatch(batch(2, 1).x, { labels: [0, 1] }), { code: 'LKR_NOT_IMPLEMENTED' });
});
