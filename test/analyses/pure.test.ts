import t from 'tap';

import { bandMask, bandNoise, energyInside } from '../../src/robustness/analyses/frequency.js';
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

t.test('occlusion masks drop exactly the released ⌊r·196⌋ patches', async (t) => {
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
