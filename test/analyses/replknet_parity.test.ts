// RepLKNet-31B (random weights, 64×64 input) analyses against the project's independent PyTorch reference
// (scripts/replknet_reference.py) in float64 (ERF: float32): feature-map variance of every recorded layer, ERF of the last
// feature map (before the final BN, as RepLKNet's RepLKNetForERF), and lesion of released-candidate blocks.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import t from 'tap';

import { Model } from '../../src/models/model.js';
import { effectiveReceptiveField } from '../../src/robustness/analyses/erf.js';
import { featureVariance } from '../../src/robustness/analyses/feature_variance.js';
import { candidateBlocks, lesionSets } from '../../src/robustness/analyses/lesion.js';
import { ORACLE_SKIP, oraclePython, runOracleIn } from '../helpers/oracle.js';
import { mulberry, rand, relL2 } from '../helpers/tensor.js';
import { modelUnavailable } from '../helpers/models.js';

const script = new URL('../oracle/analysis_parity.py', import.meta.url).pathname;

t.test('RepLKNet-31B analyses match the PyTorch reference (float64)', { skip: oraclePython() ? modelUnavailable('replknet_31b') : ORACLE_SKIP }, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lkr-an-replknet-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const probe = new Model('replknet_31b');
  const cands = candidateBlocks(probe, 'released');
  t.equal(cands.length, 18, 'released candidates: the 18 stage-3 blocks');
  t.ok(cands.every((b) => b.units.length === 2), 'each a RepLK block with its ConvFFN');
  const sets = lesionSets(cands, 2, 1, 11).slice(1); // one set of two blocks (float64 passes are slow)
  // The reference's modules of a block = its two residual units, stages.2.blocks.{2j, 2j+1}.
  const unitNames = (block: string) => {
    const m = /^stages\.(\d+)\.blocks\.(\d+)$/.exec(block)!;
    return [`stages.${m[1]}.blocks.${m[2]}`, `stages.${m[1]}.blocks.${Number(m[2]) + 1}`];
  };
  const x = rand([2, 64, 64, 3], mulberry(17), 0, 1);
  // The layers the engine records (checked below): stem.0..3, every residual unit, a transition after stages 0-2.
  const units = probe.blockNames();
  const names = ['stem.0', 'stem.1', 'stem.2', 'stem.3', ...[0, 1, 2, 3].flatMap((s) => [...units.filter((u) => u.startsWith(`stages.${s}.`)), ...(s < 3 ? [`transitions.${s}`] : [])])];
  const want = await runOracleIn(
    dir,
    script,
    { replknet: '31B', seed: 4, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], lesion: [[], ...sets.map((s) => s.blocks.flatMap(unitNames))], variance: names.map((n) => [n, n]), erf: true, erf_dtype: 'float32' },
    { x },
  );
  const m = new Model('replknet_31b');
  m.loadWeights(path.join(dir, 'w.safetensors'));
  const clean = await m.forward(x, { recordBlocks: true });
  t.ok(relL2(clean.logits.data, want.lesion_0.data) <= 1e-4, `clean logits rel. L2 ${relL2(clean.logits.data, want.lesion_0.data).toExponential(2)}`);
  for (const [i, s] of sets.entries()) {
    const { logits } = await m.forward(x, { skipBlocks: s.units });
    const e = relL2(logits.data, want[`lesion_${i + 1}`].data);
    t.ok(e <= 1e-4, `drop ${s.blocks.join(' + ')} (RepLK + ConvFFN): logits rel. L2 ${e.toExponential(2)} ≤ 1e-4`);
  }
  // ERF against PyTorch in float32 (its float64 large-kernel depthwise backward takes minutes on CPU): an input
  // gradient through 36 residual units of random weights, so both sides carry float32 error (ours against
  // float64 measured 2.2e-3; the model parity test allows 1e-3 for input gradients). Taking the map after the
  // final BN, or without the ReLU seed, gives errors of order 1.
  const erf = await effectiveReceptiveField(m, [x]);
  t.ok(relL2(erf.map, want.erf.data) <= 5e-3, `ERF map rel. L2 ${relL2(erf.map, want.erf.data).toExponential(2)} ≤ 5e-3`);
  t.same(Object.values(erf.areaRatios).map((v) => +(v ?? -1).toFixed(12)), Array.from(want.erf_ratios.data, (v) => +v.toFixed(12)), 'area ratios as analyze_erf.py');
  // Variance: the reference's modules carry the recorded names.
  t.same(clean.records!.map((r) => r.name), names, 'recorded layers');
  const v = want;
  for (const perImage of [false, true]) {
    const rows = await featureVariance(m, x, perImage);
    const ref = perImage ? v.var_per_image.data : v.var_released.data;
    const errs = rows.map((r, i) => Math.abs(r.variance - ref[i]) / Math.abs(ref[i]));
    const worst = Math.max(...errs);
    t.ok(worst <= 1e-4, `${perImage ? 'per-image' : 'released'}: worst rel. error ${worst.toExponential(2)} over ${rows.length} layers (at ${rows[errs.indexOf(worst)].name})`);
  }
});
