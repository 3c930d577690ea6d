// Lesion, feature-map variance and ERF on the demo ConvNeXt (lkr_demo_convnext) against timm's ConvNeXt with
// the same tiny config and the same random weights, computed by PyTorch in float64 (test/oracle/analysis_parity.py).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import t from 'tap';

import { Model } from '../../src/models/model.js';
import { effectiveReceptiveField } from '../../src/robustness/analyses/erf.js';
import { featureVariance } from '../../src/robustness/analyses/feature_variance.js';
import { candidateBlocks, lesionScorer, lesionSets } from '../../src/robustness/analyses/lesion.js';
import { ORACLE_SKIP, oraclePython, runOracleIn } from '../helpers/oracle.js';
import { mulberry, rand, relL2 } from '../helpers/tensor.js';

const script = new URL('../oracle/analysis_parity.py', import.meta.url).pathname;
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

t.test('demo ConvNeXt analyses match timm + PyTorch (float64)', { skip: oraclePython() ? false : ORACLE_SKIP }, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lkr-an-convnext-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const probe = new Model('lkr_demo_convnext');
  // Lesion sets from our own sampler, so the block naming is what is checked against PyTorch's module names.
  const sets = lesionSets(candidateBlocks(probe, 'all'), 2, 2, 7);
  t.ok(sets.length === 4 && sets.every((s) => s.blocks.every((b) => /^stages\.\d\.blocks\.\d+$/.test(b))), 'lesion sets name timm blocks');
  const x = rand([3, 96, 96, 3], mulberry(21), 0, 1);
  // Records of a forward (names) -> the same timm modules.
  probe.setParams(Object.fromEntries(probe.paramSpecs().map((s) => [s.name, { shape: s.shape, data: new Float32Array(s.shape.reduce((a, b) => a * b, 1)).fill(0.01) }])));
  const names = (await probe.forward(x, { recordBlocks: true })).records!.map((r) => r.name);
  t.same(names, ['stem', 'stages.0.blocks.0', 'stages.1.downsample', 'stages.1.blocks.0', 'stages.2.downsample', 'stages.2.blocks.0', 'stages.3.downsample', 'stages.3.blocks.0']);
  const want = await runOracleIn(
    dir,
    script,
    {
      timm: 'convnext_tiny',
      kwargs: { depths: [1, 1, 1, 1], dims: [16, 32, 64, 128] },
      mean: MEAN,
      std: STD,
      lesion: [[], ...sets.map((s) => s.blocks)],
      variance: names.map((n) => [n, n]),
      erf: true,
    },
    { x },
  );
  const m = new Model('lkr_demo_convnext');
  m.loadWeights(path.join(dir, 'w.safetensors'));

  t.test('lesion: skipping a set of blocks equals timm with those blocks replaced by identity', async (t) => {
    const clean = await m.forward(x);
    t.ok(relL2(clean.logits.data, want.lesion_0.data) <= 1e-4, `clean logits rel. L2 ${relL2(clean.logits.data, want.lesion_0.data).toExponential(2)}`);
    for (const [i, s] of sets.entries()) {
      const { logits } = await m.forward(x, { skipBlocks: s.units });
      const e = relL2(logits.data, want[`lesion_${i + 1}`].data);
      t.ok(e <= 1e-4, `drop ${s.blocks.join(' + ')}: logits rel. L2 ${e.toExponential(2)} ≤ 1e-4`);
      t.ok(relL2(logits.data, clean.logits.data) > 1e-3, 'and the lesion changes the logits');
    }
    // The scorer: one forward per set for the whole batch, flags = argmax of the oracle's logits.
    const argmax = (d: ArrayLike<number>, i: number) => {
      let b = 0;
      for (let j = 1; j < 1000; j++) if (d[i * 1000 + j] > d[i * 1000 + b]) b = j;
      return b;
    };
    const labels = [0, 1, 2].map((i) => argmax(want.lesion_1.data, i));
    const scores = await lesionScorer(m, sets)(x, labels);
    t.same(scores[`n${sets[0].n}#${sets[0].sample}`], [1, 1, 1], 'scores follow the lesioned argmax');
  });

  t.test('feature-map variance equals NumPy on the hooked activations (unbiased, as released)', async (t) => {
    for (const perImage of [false, true]) {
      const rows = await featureVariance(m, x, perImage);
      const ref = perImage ? want.var_per_image.data : want.var_released.data;
      t.equal(rows.length, ref.length);
      const worst = Math.max(...rows.map((r, i) => Math.abs(r.variance - ref[i]) / Math.abs(ref[i])));
      t.ok(worst <= 1e-4, `${perImage ? 'per-image' : 'released'}: worst rel. error ${worst.toExponential(2)} ≤ 1e-4 over ${rows.length} layers`);
      t.same(rows.map((r) => r.depth), rows.map((_, i) => i / (rows.length - 1)), 'x = layer / (L − 1)');
    }
  });

  t.test('ERF equals PyTorch autograd (RepLKNet erf tool objective)', async (t) => {
    const { logits: f } = await m.forward(x, { featuresOnly: true });
    t.same(f.shape, [3, 3, 3, 128], 'featuresOnly: the last feature map, NHWC');
    t.ok(relL2(f.data, want.features.data) <= 1e-4, `features rel. L2 ${relL2(f.data, want.features.data).toExponential(2)}`);
    // Two batches (2 + 1 images): the mean over images does not depend on batching.
    const erf = await effectiveReceptiveField(m, [
      { shape: [2, 96, 96, 3], data: x.data.slice(0, 2 * 96 * 96 * 3) },
      { shape: [1, 96, 96, 3], data: x.data.slice(2 * 96 * 96 * 3) },
    ]);
    t.equal(erf.images, 3);
    const e = relL2(erf.map, want.erf.data);
    t.ok(e <= 1e-4, `ERF map rel. L2 ${e.toExponential(2)} ≤ 1e-4`);
    t.same(Object.values(erf.areaRatios).map((v) => +(v ?? -1).toFixed(12)), Array.from(want.erf_ratios.data, (v) => +v.toFixed(12)), 'area ratios as analyze_erf.py');
    t.ok(Object.values(erf.areaRatios).some((v) => v !== null), 'some square qualifies');
  });
});
