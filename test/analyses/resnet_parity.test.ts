// Lesion, feature-map variance and ERF on ResNet-50 (random weights, 64×64 input) against timm's resnet50 in
// float64 (test/oracle/analysis_parity.py).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import t from 'tap';

import { Model } from '../../src/models/model.js';
import { effectiveReceptiveField } from '../../src/robustness/analyses/erf.js';
import { featureVariance } from '../../src/robustness/analyses/feature_variance.js';
import { candidateBlocks, type LesionSet, lesionSets } from '../../src/robustness/analyses/lesion.js';
import { ORACLE_SKIP, oraclePython, runOracleIn } from '../helpers/oracle.js';
import { mulberry, rand, relL2 } from '../helpers/tensor.js';
import { modelUnavailable } from '../helpers/models.js';

const script = new URL('../oracle/analysis_parity.py', import.meta.url).pathname;

t.test('ResNet-50 analyses match timm + PyTorch (float64)', { skip: oraclePython() ? modelUnavailable('resnet50') : ORACLE_SKIP }, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lkr-an-resnet-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const probe = new Model('resnet50');
  const cands = candidateBlocks(probe, 'all');
  t.equal(cands.length, 16, 'every bottleneck is a lesion candidate');
  // Two sampled sets, plus one with a projection block (its branch goes, the 1×1 projection shortcut stays).
  const sets: LesionSet[] = [...lesionSets(cands, 3, 1, 3).slice(1), { n: 2, sample: 9, blocks: ['layer2.0', 'layer3.4'], units: ['layer2.0', 'layer3.4'].flatMap((b) => cands.find((c) => c.name === b)!.units) }];
  const torchNames = (s: LesionSet) => s.blocks.map((b) => (/\.0$/.test(b) ? `zero:${b}.bn3` : b));
  const x = rand([2, 64, 64, 3], mulberry(8), 0, 1);
  const names = ['stem', ...probe.blockNames()];
  const want = await runOracleIn(
    dir,
    script,
    {
      timm: 'resnet50',
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      lesion: [[], ...sets.map(torchNames)],
      variance: names.map((n) => [n, n === 'stem' ? 'maxpool' : n]),
      erf: true,
    },
    { x },
  );
  const m = new Model('resnet50');
  m.loadWeights(path.join(dir, 'w.safetensors'));

  t.test('lesion equals timm with the blocks replaced by identity (projection blocks: branch zeroed)', async (t) => {
    const clean = await m.forward(x);
    t.ok(relL2(clean.logits.data, want.lesion_0.data) <= 1e-4, `clean logits rel. L2 ${relL2(clean.logits.data, want.lesion_0.data).toExponential(2)}`);
    for (const [i, s] of sets.entries()) {
      const { logits } = await m.forward(x, { skipBlocks: s.units });
      const e = relL2(logits.data, want[`lesion_${i + 1}`].data);
      t.ok(e <= 1e-4, `drop ${s.blocks.join(' + ')}: logits rel. L2 ${e.toExponential(2)} ≤ 1e-4`);
      t.ok(relL2(logits.data, clean.logits.data) > 1e-4, 'and the lesion changes the logits');
    }
  });

  t.test('feature-map variance equals NumPy on hooked activations (stem = maxpool output, then each bottleneck)', async (t) => {
    for (const perImage of [false, true]) {
      const rows = await featureVariance(m, x, perImage);
      t.same(rows.map((r) => r.name), names);
      const ref = perImage ? want.var_per_image.data : want.var_released.data;
      const worst = Math.max(...rows.map((r, i) => Math.abs(r.variance - ref[i]) / Math.abs(ref[i])));
      t.ok(worst <= 1e-4, `${perImage ? 'per-image' : 'released'}: worst rel. error ${worst.toExponential(2)} ≤ 1e-4 over ${rows.length} layers`);
    }
  });

  t.test('ERF equals PyTorch autograd at 64×64', async (t) => {
    const erf = await effectiveReceptiveField(m, [x]);
    const e = relL2(erf.map, want.erf.data);
    t.ok(e <= 1e-4, `ERF map rel. L2 ${e.toExponential(2)} ≤ 1e-4`);
    t.same(Object.values(erf.areaRatios).map((v) => +(v ?? -1).toFixed(12)), Array.from(want.erf_ratios.data, (v) => +v.toFixed(12)), 'area ratios as analyze_erf.py');
  });
});
