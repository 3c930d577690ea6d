import t from 'tap';

import type { Model } from '../../src/models/model.js';
import { accumulate, areaRatios, centralSeed } from '../../src/robustness/analyses/erf.js';
import { varianceRows } from '../../src/robustness/analyses/feature_variance.js';
import { bandMask, bandNoise, energyInside } from '../../src/robustness/analyses/frequency.js';
import { candidateBlocks, lesionBlocks, lesionSets } from '../../src/robustness/analyses/lesion.js';
import { dft2, shift } from '../../src/robustness/analyses/fft.js';
import { kernelDistances } from '../../src/robustness/analyses/kernel_distance.js';
import { dropPatches, markedByMass, patchesToDrop, randomDropCount, randomPatches } from '../../src/robustness/analyses/occlusion_masks.js';
import { mulberry } from '../helpers/tensor.js';

t.test('kernel attention distance on hand-made kernels', async (t) => {
  const k = 7;
  const delta = new Float32Array(k * k);
  delta[(k * k - 1) / 2] = 2.5;
  t.same(kernelDistances(delta, [1, 1, k, k]), [0], 'a centre delta has distance 0');
  const uniform3 = new Float32Array(9).fill(-0.3);
  t.ok(Math.abs(kernelDistances(uniform3, [1, 1, 3, 3])[0] - (4 + 4 * Math.SQRT2) / 9) < 1e-12, 'uniform 3x3: mean distance (4 + 4√2)/9');
  // Uniform K×K: the mean of the tap distances, computed independently.
  for (const K of [5, 31]) {
    let s = 0;
    for (let y = 0; y < K; y++) for (let x = 0; x < K; x++) s += Math.hypot(y - (K - 1) / 2, x - (K - 1) / 2);
    const got = kernelDistances(new Float32Array(K * K).fill(1), [1, 1, K, K])[0];
    t.ok(Math.abs(got - s / (K * K)) < 1e-9, `uniform ${K}x${K}`);
    const code = kernelDistances(new Float32Array(K * K).fill(1), [1, 1, K, K], 'code')[0];
    t.ok(Math.abs(code - s / (Math.floor(K / 2) * Math.SQRT2)) < 1e-9, `code definition ${K}x${K}: Σ r/(R√2)·|w|`);
  }
  const corner = new Float32Array(9);
  corner[0] = 1;
  t.ok(Math.abs(kernelDistances(corner, [1, 1, 3, 3], 'code')[0] - 1) < 1e-12, 'code: the corner is at normalised distance 1');
  const two = new Float32Array(18);
  two[4] = 1; // channel 0: centre
  two[9] = 1; // channel 1: corner
  t.same(kernelDistances(two, [2, 1, 3, 3]).map((v) => +v.toFixed(6)), [0, +Math.SQRT2.toFixed(6)], 'channels sorted ascending');
});

t.test('occlusion masks drop exactly the released ⌊r·196⌋ patches, or round(r·196) on request', async (t) => {
  const rng = mulberry(5);
  // evaluate.py: drop_count = k * 196 // 10 for k = 0..9.
  const released = [0, 19, 39, 58, 78, 98, 117, 137, 156, 176];
  for (let k = 0; k < 10; k++) {
    const r = k / 10;
    t.equal(randomDropCount(196, r), released[k], `ratio ${r}: ${released[k]} patches`);
    const p = randomPatches(196, r, rng);
    t.equal(p.length, released[k]);
    t.equal(new Set(p).size, p.length, 'without replacement');
    t.ok(p.every((i) => Number.isInteger(i) && i >= 0 && i < 196), 'on the grid');
  }
  t.equal(randomPatches(196, 1, rng).length, 196);
  // round(r·196) on request (--drop-count round): 0, 20, 39, 59, 78, 98, 118, 137, 157, 176.
  const rounded = [0, 20, 39, 59, 78, 98, 118, 137, 157, 176];
  for (let k = 0; k < 10; k++) {
    t.equal(randomDropCount(196, k / 10, 'round'), rounded[k], `round, ratio ${k / 10}: ${rounded[k]} patches`);
    t.equal(new Set(randomPatches(196, k / 10, rng, 'round')).size, rounded[k]);
  }
  t.throws(() => randomDropCount(196, 1.5), /\[0, 1\]/);
  const x = new Float32Array(1 * 224 * 224 * 3).fill(1);
  const drop = randomPatches(196, 0.5, mulberry(1));
  dropPatches(x, [1, 224, 224, 3], 0, drop, 16);
  const zeros = x.reduce((s, v) => s + (v === 0 ? 1 : 0), 0);
  t.equal(zeros, 98 * 16 * 16 * 3, 'exactly 98 patches of 16x16x3 zeroed');
  // Exactly the listed patches: patch p covers rows 16⌊p/14⌋.. and columns 16(p mod 14)..
  const listed = new Set(drop);
  let wrong = 0;
  for (let y = 0; y < 224; y++) for (let c = 0; c < 224; c++) if ((x[(y * 224 + c) * 3] === 0) !== listed.has(Math.floor(y / 16) * 14 + Math.floor(c / 16))) wrong++;
  t.equal(wrong, 0, 'the zeroed pixels are exactly those of the listed patches');
  // Per-image masks in one batch touch only their own image.
  const xb = new Float32Array(2 * 32 * 32 * 3).fill(1);
  dropPatches(xb, [2, 32, 32, 3], 1, [0, 3], 16);
  t.ok(xb.subarray(0, 32 * 32 * 3).every((v) => v === 1), 'image 0 untouched');
  t.equal(xb.subarray(32 * 32 * 3).filter((v) => v === 0).length, 2 * 16 * 16 * 3, 'image 1: two patches');
});

t.test('salient and non-salient selection follow the cumulative attention mass', async (t) => {
  const att = Array.from({ length: 196 }, (_, i) => i + 1); // ascending attention
  const top = markedByMass(att, 0.5);
  const total = att.reduce((a, b) => a + b, 0);
  const mass = [...top].reduce((s, i) => s + att[i], 0) / total;
  t.ok(mass >= 0.5 && mass < 0.5 + 196 / total, `marked patches hold about half the mass (${mass.toFixed(4)})`);
  t.ok([...top].every((i) => i >= 196 - top.size), 'the marked patches are the highest-attention ones');
  const sal = patchesToDrop('salient', 0.3, 196, mulberry(0), att);
  const non = patchesToDrop('non-salient', 0.3, 196, mulberry(0), att);
  t.ok(Math.max(...non) < Math.min(...sal), 'non-salient drops low-attention patches, salient high ones');
});

t.test('band-limited noise keeps ≥ 99% of its spectral energy inside its band', async (t) => {
  const h = 32;
  // The DFT itself: a round trip is exact.
  const x = Float64Array.from({ length: h * h }, (_, i) => Math.sin(i));
  const back = dft2(shift(shift(dft2({ h, w: h, re: x, im: new Float64Array(h * h) }), false), true), true);
  t.ok(back.re.every((v, i) => Math.abs(v - x[i]) < 1e-9), 'inverse(forward(x)) = x');
  for (const low of [0, 0.3, 0.7, 0.9]) {
    const band = { low, width: 0.1 };
    const noise = bandNoise([1, h, h, 3], band, 0.1, mulberry(11));
    const mask = bandMask(h, h, band);
    for (let k = 0; k < 3; k++) {
      const plane = Float64Array.from({ length: h * h }, (_, i) => noise[i * 3 + k]);
      const e = energyInside(plane, h, h, mask);
      t.ok(e >= 0.99, `band ${low}π channel ${k}: ${(100 * e).toFixed(2)}% inside`);
    }
  }
});

t.test('ERF area ratios follow analyze_erf.py; the seed is the ReLU of the central position', async (t) => {
  // A map with all its mass at the centre: the first square (side 3) already holds everything.
  const h = 21;
  const point = new Float64Array(h * h);
  point[10 * h + 10] = 5;
  const r = areaRatios(point, h, h);
  t.same(r.sides, { '0.2': 3, '0.3': 3, '0.5': 3, '0.99': 3 });
  t.equal(r.ratios['0.2'], (3 / h) * 3 / h);
  // Uniform map: the share of a side-s square is s²/h²; "more than t" picks the first s with s² > t·h².
  const flat = new Float64Array(h * h).fill(2);
  const u = areaRatios(flat, h, h);
  for (const th of [0.2, 0.3, 0.5]) {
    let s = 3;
    while (!((s * s) / (h * h) > th)) s += 2;
    t.equal(u.sides[String(th)], s, `uniform, t = ${th}: side ${s}`);
  }
  t.equal(u.sides['0.99'], null, 'no square short of the whole image holds 99% of a uniform map');
  // The log transform matters: log10(v + 1) compresses a hot centre.
  const hot = new Float64Array(h * h).fill(1);
  hot[10 * h + 10] = 1e6;
  const a = Math.log10(2) / Math.log10(1e6 + 1); // every other pixel after log10(v + 1) and rescaling
  const share = (side: number) => (1 + (side * side - 1) * a) / (1 + (h * h - 1) * a);
  for (const th of [0.2, 0.5]) {
    let side = 3;
    while (!(share(side) > th)) side += 2;
    t.equal(areaRatios(hot, h, h).sides[String(th)], side, `hot centre, t = ${th}: side ${side} on the log scale`);
  }
  t.ok(share(3) < 0.2, 'on the raw map the centre alone would hold > 99%; on the log scale it does not');
  const f = { shape: [1, 3, 3, 2], data: Float32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 2, -1, 0, 0, 0, 0, 0, 0, 0, 0]) };
  t.same(Array.from(centralSeed(f).data), [0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0], 'd/dF Σ relu(F_centre): 1 where positive');
  const acc = new Float64Array(1);
  accumulate(acc, { shape: [2, 1, 1, 3], data: Float32Array.from([1, -1, 2, 3, 0, -4]) }, [0.5, 1, 2]);
  t.equal(acc[0], 0.5 + 4 + 1.5, 'ReLU of the std-scaled gradient, summed over colours and images');
});

t.test('feature variance: the population variance of the records becomes torch\'s unbiased one', async (t) => {
  const rec = (name: string, shape: number[], v: number) => ({ name, shape, mean: 0, std: 0, fmapVarBatchMean: v, fmapVarPerImage: 2 * v });
  const rows = varianceRows([rec('stem', [4, 8, 8, 16], 1), rec('blocks.0', [4, 197, 384], 3), rec('pool', [4, 16], 1)], false);
  t.same(rows.map((r) => r.positions), [64, 197, 1]);
  t.equal(rows[0].variance, 64 / 63);
  t.equal(rows[1].variance, (3 * 197) / 196);
  t.ok(Number.isNaN(rows[2].variance), 'one position: undefined (torch gives nan)');
  t.same(rows.map((r) => r.depth), [0, 0.5, 1]);
  t.equal(varianceRows([rec('a', [1, 2, 2, 1], 1.5)], true)[0].variance, (3 * 4) / 3, 'per-image uses its own record');
});

t.test('lesion blocks and sets', async (t) => {
  const fake = (family: string, names: string[]) => ({ entry: { family }, blockNames: () => names }) as unknown as Model;
  const rep = fake('replknet', ['stages.0.blocks.0', 'stages.0.blocks.1', 'stages.2.blocks.0', 'stages.2.blocks.1', 'stages.2.blocks.2', 'stages.2.blocks.3']);
  t.same(lesionBlocks(rep), [
    { name: 'stages.0.blocks.0', units: [0, 1] },
    { name: 'stages.2.blocks.0', units: [2, 3] },
    { name: 'stages.2.blocks.2', units: [4, 5] },
  ], 'RepLKNet: a RepLK block with its ConvFFN');
  t.same(candidateBlocks(rep, 'released').map((b) => b.name), ['stages.2.blocks.0', 'stages.2.blocks.2'], 'released: stage 3 only');
  const vit = fake('vit', ['blocks.0.attn', 'blocks.0.mlp', 'blocks.1.attn', 'blocks.1.mlp']);
  t.same(lesionBlocks(vit).map((b) => b.units), [[0, 1], [2, 3]], 'ViT: attention + MLP of a block');
  const cands = lesionBlocks(fake('resnet', Array.from({ length: 10 }, (_, i) => `b${i}`)));
  const sets = lesionSets(cands, 4, 5, 1);
  t.equal(sets.length, 20);
  t.ok(sets.every((s) => s.blocks.length === s.n && new Set(s.blocks).size === s.n), 'n distinct blocks per set');
  t.same(lesionSets(cands, 4, 5, 1), sets, 'seeded');
  t.notSame(lesionSets(cands, 4, 5, 2), sets, 'another seed, other sets');
});
