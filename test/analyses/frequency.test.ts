// Band-limited noise through the engine (batched matrix products) against the direct DFT band-pass, and the
// frequency scorer's batching.
import t from 'tap';

import { Model } from '../../src/models/model.js';
import { randomParams } from '../../src/bench/model.js';
import { bandMask, bandNoiseBatch, bandPass, boxMatrix, energyInside, signNoisePlanar } from '../../src/robustness/analyses/frequency.js';
import { frequencyScorer } from '../../src/robustness/analyses/frequency_sweep.js';
import { mulberry, rand, relL2 } from '../helpers/tensor.js';

t.test('box matrices are the 1-D low-pass projections', async (t) => {
  for (const n of [8, 9, 32]) {
    for (const f of [0.1, 0.5, 0.95]) {
      const a = boxMatrix(n, f);
      let sym = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sym = Math.max(sym, Math.abs(a[i * n + j] - a[j * n + i]));
      t.ok(sym < 1e-7, `n ${n} f ${f}: symmetric`);
      // Idempotent (a projection): A·A = A.
      let err = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += a[i * n + k] * a[k * n + j];
          err = Math.max(err, Math.abs(s - a[i * n + j]));
        }
      }
      t.ok(err < 1e-6, `n ${n} f ${f}: A² = A (${err.toExponential(1)})`);
    }
    const id = boxMatrix(n, 1);
    t.ok(id.every((v, i) => v === (i % (n + 1) === 0 ? 1 : 0)), `n ${n}: the full box is the identity`);
  }
});

t.test('engine band noise equals the DFT band-pass of the same sign noise, ≥ 99% energy in band', async (t) => {
  for (const [h, w] of [[32, 32], [24, 40]]) {
    const shape = [2, h, w, 3];
    const signs = signNoisePlanar(shape, 0.1, mulberry(h + w));
    const bands = [0, 0.2, 0.5, 0.9].map((low) => ({ low, width: 0.1 }));
    const got = await bandNoiseBatch(shape, bands, 0.1, mulberry(0), signs);
    t.equal(got.length, bands.length);
    for (const [bi, band] of bands.entries()) {
      const mask = bandMask(h, w, band);
      let worst = 0;
      let energy = 1;
      for (let b = 0; b < 2; b++) {
        for (let k = 0; k < 3; k++) {
          const plane = Float64Array.from(signs.subarray((b * 3 + k) * h * w, (b * 3 + k + 1) * h * w));
          const want = bandPass(plane, h, w, mask);
          const mine = Float64Array.from({ length: h * w }, (_, i) => got[bi][(b * h * w + i) * 3 + k]);
          worst = Math.max(worst, relL2(mine, want));
          energy = Math.min(energy, energyInside(mine, h, w, mask));
        }
      }
      t.ok(worst <= 1e-5, `${h}x${w} band ${band.low}π: rel. L2 to the DFT band-pass ${worst.toExponential(2)}`);
      t.ok(energy >= 0.99, `${h}x${w} band ${band.low}π: ${(100 * energy).toFixed(3)}% of the energy in the band`);
    }
    // The bands partition the spectrum: their sum is the sign noise itself.
    const all = await bandNoiseBatch(shape, Array.from({ length: 10 }, (_, i) => ({ low: i / 10, width: 0.1 })), 0.1, mulberry(0), signs);
    let err = 0;
    for (let b = 0; b < 2; b++) {
      for (let i = 0; i < h * w; i++) {
        for (let k = 0; k < 3; k++) {
          const s = all.reduce((acc, n) => acc + n[(b * h * w + i) * 3 + k], 0);
          err = Math.max(err, Math.abs(s - signs[(b * 3 + k) * h * w + i]));
        }
      }
    }
    t.ok(err < 1e-5, `${h}x${w}: the 10 bands sum back to the noise (max error ${err.toExponential(1)})`);
  }
});

t.test('frequency scorer: clean + one batched forward per band, reproducible per batch index', async (t) => {
  const m = new Model('lkr_demo_convnext');
  m.setParams(randomParams(m, 4));
  let calls = 0;
  const fwd = m.forward.bind(m);
  m.forward = (x, o) => {
    calls++;
    t.equal(x.shape[0], 4, 'every forward holds the whole batch');
    return fwd(x, o);
  };
  const x = rand([4, 64, 64, 3], mulberry(3), 0, 1);
  const score = frequencyScorer(m, { bands: [0, 0.3, 0.7], width: 0.1, eps: 0.1, seed: 0 });
  const a = await score(x, [0, 1, 2, 3], 5);
  t.equal(calls, 4, 'clean + 3 bands');
  t.same(Object.keys(a), ['clean', 'band@0', 'band@0.3', 'band@0.7']);
  t.same(await score(x, [0, 1, 2, 3], 5), a, 'same batch index, same result');
});
