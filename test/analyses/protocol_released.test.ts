// --protocol released against the released scripts' computations re-expressed with torch/torchvision in the
// oracle venv: torch's randperm stream, the feature-map variance procedure (sweeps, last batch kept), the
// loaders of occlusion / feature variance / TAIG, and torch's bicubic resize used by TAIG's scoring.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import sharp from 'sharp';
import t from 'tap';

import { loadImages } from '../../src/data/preprocess.js';
import { Model } from '../../src/models/model.js';
import { keptBatches, releasedFeatureVariance, releasedLayers } from '../../src/robustness/released/feature_variance.js';
import { bicubicResize, centerCropTensor, roundHalfEven } from '../../src/robustness/released/interpolate.js';
import { releasedAnalysis, releasedAttack } from '../../src/robustness/released/protocol.js';
import { loadWarpThenCrop } from '../../src/robustness/released/taig_io.js';
import { Mt19937, torchRandperm } from '../../src/util/torch_random.js';
import { ORACLE_SKIP, oraclePython, runOracle, runOracleIn } from '../helpers/oracle.js';
import { mulberry, rand } from '../helpers/tensor.js';

const ORACLE = oraclePython() ? false : ORACLE_SKIP;
const oracle = (name: string) => new URL(`../oracle/${name}`, import.meta.url).pathname;

t.test('pure: MT19937 reference values, Python rounding, protocol table', async (t) => {
  // The C++ std::mt19937 default-seed (5489) check value: the 10000th output is 4123659995.
  const g = new Mt19937(5489);
  let v = 0;
  for (let i = 0; i < 10000; i++) v = g.next32();
  t.equal(v, 4123659995, 'mt19937 10000th output (C++ standard)');
  t.same(torchRandperm(1, new Mt19937(0)), [0]);
  t.same([0.5, 1.5, 2.5, 16, 16.5].map(roundHalfEven), [0, 2, 2, 16, 16]);
  t.same(keptBatches({ sweeps: 2, datasetSize: 10, batch: 4, seed: 0 }).map((b) => b.length), [2, 2], 'the last batch of 10 in 4s holds 2');
  t.equal(releasedAnalysis('occlusion').preprocess.interpolation, 'bilinear');
  t.equal(releasedAnalysis('lesion').preprocess.interpolation, 'bicubic');
  t.same(releasedAttack('taig-r').warpThenCrop, { warp: 256, crop: 224 });
  t.throws(() => releasedAnalysis('frequency'), { code: 'LKR_ARG', name: 'ProtocolError' });
  t.throws(() => releasedAnalysis('erf'), { code: 'LKR_ARG', message: /no script for erf/ });
  t.same(releasedLayers('replknet', [1, 2, 3]), [1, 2], 'RepLKNet: the final ConvFFN is dropped');
  t.same(releasedLayers('vit', [1, 2, 3]), [1, 2, 3]);
});

t.test('torch.randperm after torch.manual_seed(0): 10 sweeps of 1,280 as the released script draws them', { skip: ORACLE }, async (t) => {
  const out = await runOracle(oracle('released_protocol.py'), { randperm: { seed: 0, n: 1280, sweeps: 10 } }, {});
  const g = new Mt19937(0);
  const ours = Array.from({ length: 10 }, () => torchRandperm(1280, g));
  t.same(ours.flat(), Array.from(out.perms.data), 'identical permutations');
  t.same(keptBatches().map((b) => b.join()), ours.map((p) => p.slice(1152).join()), 'kept: the last 128 of each');
});

t.test('bicubic resize = F.interpolate(bicubic, align_corners=False); TAIG scoring = torchvision Resize(256, BICUBIC) + CenterCrop', { skip: ORACLE }, async (t) => {
  const x = rand([2, 11, 7, 3], mulberry(3), 0, 1);
  const sizes = [[23, 16], [5, 4], [11, 7]] as const;
  const n = 2;
  const u8 = new Uint8Array(n * 224 * 224 * 3);
  const r = mulberry(9);
  for (let i = 0; i < u8.length; i++) u8[i] = Math.floor(r() * 256);
  const ref = await runOracle(oracle('released_protocol.py'), { interp: sizes, bicubic: true }, { x, u8: { shape: [n, 224, 224, 3], data: Float32Array.from(u8) } });
  sizes.forEach((size, k) => {
    const ours = bicubicResize(x, size[0], size[1]);
    let worst = 0;
    ours.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - ref[`interp_${k}`].data[i]))));
    t.ok(worst <= 2e-6, `11x7 -> ${size.join('x')}: max |diff| ${worst.toExponential(2)}`);
  });
  const f = new Float32Array(u8.length);
  for (let i = 0; i < u8.length; i++) f[i] = u8[i] / 255;
  const ours = centerCropTensor(bicubicResize({ shape: [n, 224, 224, 3], data: f }, 256, 256), 224);
  let worst = 0;
  ours.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - ref.scored.data[i]))));
  t.ok(worst <= 2e-6, `TAIG_test transform on random uint8 images: max |diff| ${worst.toExponential(2)} (values overshoot [0,1] unclamped, as torch)`);
  t.ok(ref.scored.data.some((v) => v < 0), 'the reference is not clamped either');
});

t.test('released loaders against torchvision + PIL on images of several sizes', { skip: ORACLE }, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lkr-rel-load-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const files: string[] = [];
  for (const [w, h] of [[500, 375], [301, 257], [224, 300], [640, 480]]) {
    const b = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) b[(y * w + x) * 3 + c] = 128 + 100 * Math.sin(x / (13 + 5 * c)) * Math.cos(y / (11 + 3 * c));
    const f = path.join(dir, `${w}x${h}.png`);
    await sharp(b, { raw: { width: w, height: h, channels: 3 } }).png().toFile(f);
    files.push(f);
  }
  mkdirSync(dir, { recursive: true });
  const ref = await runOracle(oracle('released_protocol.py'), { loaders: ['taig', 'bilinear256', 'bicubic256'], files }, {});
  const ours = {
    taig: await loadWarpThenCrop(files),
    bilinear256: await loadImages(files, releasedAnalysis('occlusion').preprocess),
    bicubic256: await loadImages(files, releasedAttack('pgd').preprocess),
  };
  // The sizes include resized sides whose margin (side − 224) is odd (torchvision's round-half-even crop offset)
  // and upscaled images (PIL's kernels): with the PIL-exact pixel pipeline (docs/FIDELITY.md, Pixels) every
  // image must give the same bytes.
  const per = 224 * 224 * 3;
  for (const [name, x] of Object.entries(ours)) {
    const want = ref[name].data;
    t.same(x.shape, [files.length, 224, 224, 3], `${name}: shape`);
    files.forEach((f, i) => {
      let sum = 0;
      let max = 0;
      for (let j = i * per; j < (i + 1) * per; j++) {
        const d = Math.abs(x.data[j] - want[j]);
        sum += d;
        max = Math.max(max, d);
      }
      const mean = (sum / per) * 255;
      // Same uint8 values: any difference is at least 1/255.
      t.ok(max * 255 < 1e-3, `${name} ${path.basename(f, '.png')}: byte-identical to PIL (mean |diff| ${mean.toFixed(3)}/255, max ${(max * 255).toFixed(1)}/255)`);
    });
  }
});

t.test('feature-map variance, released procedure: ours = torch re-expression (sweeps, last batch, stacked variance)', { skip: ORACLE }, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lkr-rel-var-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const n = 10;
  const x = rand([n, 64, 64, 3], mulberry(5), 0, 1);
  const layers = ['stem', 'stages.0.blocks.0', 'stages.1.downsample', 'stages.1.blocks.0', 'stages.2.downsample', 'stages.2.blocks.0', 'stages.3.downsample', 'stages.3.blocks.0'];
  const plan = { sweeps: 3, datasetSize: n, batch: 4, seed: 0 };
  const norm = releasedAnalysis('feature-variance').normalization;
  const want = await runOracleIn(dir, oracle('feature_variance_released.py'), { timm: 'convnext_tiny', kwargs: { depths: [1, 1, 1, 1], dims: [16, 32, 64, 128] }, mean: norm.mean, std: norm.std, batch: plan.batch, sweeps: plan.sweeps, layers }, { x });
  t.same(keptBatches(plan).flat(), Array.from({ length: plan.sweeps }, (_, s) => Array.from(want.perms.data.slice(s * n + 8, s * n + n))).flat(), 'kept images = the last batch of each torch permutation');
  const m = new Model('lkr_demo_convnext', { normalization: norm });
  m.loadWeights(path.join(dir, 'w.safetensors'));
  const per = 64 * 64 * 3;
  const load = async (idx: number[]) => {
    const d = new Float32Array(idx.length * per);
    idx.forEach((i, k) => d.set(x.data.subarray(i * per, (i + 1) * per), k * per));
    return { shape: [idx.length, 64, 64, 3], data: d };
  };
  const rows = await releasedFeatureVariance(m, load, plan);
  t.same(rows.map((r) => r.name), layers);
  const errs = rows.map((r, i) => Math.abs(r.variance - want.variance.data[i]) / Math.abs(want.variance.data[i]));
  const worst = Math.max(...errs);
  t.ok(worst <= 1e-4, `worst rel. error ${worst.toExponential(2)} over ${rows.length} layers`);
});

t.test('analyze --protocol released: results.json records the protocol; each analysis takes its released settings', async (t) => {
  const { analyzeMain } = await import('../../src/cli/commands/analyze.js');
  const { writeSyntheticDatasets } = await import('../../src/data/synthetic.js');
  const { writeSafetensors } = await import('../../src/models/checkpoint/index.js');
  const { randomParams } = await import('../../src/bench/model.js');
  const { imageFolder } = await import('../../src/data/layouts.js');
  const root = mkdtempSync(path.join(os.tmpdir(), 'lkr-rel-cli-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const dirs = await writeSyntheticDatasets(path.join(root, 'data'), { perClass: 3, classes: 4 });
  const weights = path.join(root, 'w.safetensors');
  writeSafetensors(weights, new Map(Object.entries(randomParams(new Model('lkr_demo_convnext'), 3))));
  const args = (analysis: string, extra: Record<string, unknown> = {}) => ({
    analysis, model: 'lkr_demo_convnext', weights, data: dirs['imagenet-val'], json: true, seed: 0, ratios: '0.5', modes: 'random', perImage: false,
    dropCount: 'floor', saliencyModel: 'vit_small_patch16_224.dino', head: 1, candidates: 'released', maxN: 1, samples: 1, bands: '0.5', eps: 0.1,
    branch: 'applied', definition: 'paper', protocol: 'released', out: path.join(root, 'runs', analysis), ...extra,
  }) as Parameters<typeof analyzeMain>[0];

  const fv = (await analyzeMain(args('feature-variance', { batch: 4, limit: 12 }))).results as Record<string, any>;
  t.equal(fv.protocol, 'released');
  t.equal(fv.protocol_settings.script, 'feature_map_variance/main.py');
  t.match(fv.config, { sweeps: 10, datasetSize: 12, batch: 4, seed: 0 });
  // The same numbers from the pieces: the first 12 images in ImageFolder order, the released loader and norm.
  const m = new Model('lkr_demo_convnext', { normalization: releasedAnalysis('feature-variance').normalization });
  m.loadWeights(weights);
  const pool = imageFolder(dirs['imagenet-val']).items.slice(0, 12);
  const rows = await releasedFeatureVariance(m, (idx) => loadImages(idx.map((i) => pool[i].path), releasedAnalysis('feature-variance').preprocess), { sweeps: 10, datasetSize: 12, batch: 4, seed: 0 });
  t.same(fv.rows.map((r: { variance: number }) => r.variance), rows.map((r) => r.variance));

  const kd = (await analyzeMain(args('kernel-distance'))).results as Record<string, any>;
  t.same(kd.config, { branch: 'large', definition: 'code' }, 'kernel-distance: the released code definition on the raw large branch');
  const occ = (await analyzeMain(args('occlusion', { limit: 4, batch: 4 }))).results as Record<string, any>;
  t.match(occ.protocol_settings.loader, /bilinear/);
  await t.rejects(analyzeMain(args('erf')), { code: 'LKR_ARG' });
});
