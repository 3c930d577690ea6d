import t from 'tap';

import { alexnetP } from '../../src/data/reference_data.js';
import {
  P_TEST_PERTURBATIONS,
  baselineFromAlexNetP,
  expectedFrameCount,
  framePairs,
  imagenetPSummary,
  isNoisePerturbation,
  perturbationScore,
  top5Distance,
  videoRanking,
  videoScore,
} from '../../src/metrics/imagenet_p.js';
import { mulberry } from '../helpers/tensor.js';

const L = (rows: number[][]) => ({ shape: [rows.length, rows[0].length], data: Float32Array.from(rows.flat()) });

t.test('top-5 distance: |i − σ(i)| when σ(i) ≤ 6, else 6 − i', async (t) => {
  const a = [0, 1, 2, 3, 4];
  t.equal(top5Distance(a, [0, 1, 2, 3, 4]), 0);
  t.equal(top5Distance(a, [1, 0, 2, 3, 4]), 2);
  t.equal(top5Distance(a, [5, 6, 7, 8, 9]), 15, 'all out of the top 6: 5+4+3+2+1');
  t.equal(top5Distance(a, [1, 2, 3, 4, 5]), 9, 'class 0 falls out: 6−1 = 5, the rest move up by one');
  // class 4 (i = 5) at rank 7 in b: capped to 6 − 5 = 1, not |5 − 7| = 2. Built from logits:
  const b = videoRanking(L([[9, 8, 7, 6, 2, 1, 5, 4, 3, 0]])).top5; // ranking 0,1,2,3,6,7,8,4,…
  t.same(Array.from(b), [0, 1, 2, 3, 6]);
  t.equal(top5Distance(a, b), 1);
  // class 0 (i = 1) at rank 6 exactly: |1 − 6| = 5 = 6 − 1, either way.
  t.equal(top5Distance(a, [1, 2, 3, 4, 9]), 5 + 1 + 1 + 1 + 1);
});

// Four frames, K = 8. Rankings: f0 0,1,2,3,4 | f1 1,0,2,3,4 | f2 1,0,2,3,7 | f3 all tied → 0,1,2,3,4.
const video = L([
  [8, 7, 6, 5, 4, 3, 2, 1],
  [7, 8, 6, 5, 4, 3, 2, 1],
  [7, 8, 6, 5, 1, 3, 2, 4],
  [5, 5, 5, 5, 5, 5, 5, 5],
]);

t.test('frame pairs: noise vs frame 0, temporal chains with difficulty d', async (t) => {
  t.same(framePairs(4, { noise: true }), [[0, 1], [0, 2], [0, 3]]);
  t.same(framePairs(4, { noise: true, difficulty: 3 }), [[0, 1], [0, 2], [0, 3]], 'difficulty ignored for noise');
  t.same(framePairs(4, { noise: false }), [[0, 1], [1, 2], [2, 3]]);
  t.same(framePairs(5, { noise: false, difficulty: 2 }), [[0, 2], [2, 4], [1, 3]]);
  t.same(framePairs(7, { noise: false, difficulty: 3 }), [[0, 3], [3, 6], [1, 4], [2, 5]]);
  t.throws(() => framePairs(4, { noise: false, difficulty: 0 }), /difficulty/);
});

t.test('per-video flip rate and top-5 distance on a hand-made sequence', async (t) => {
  t.same(Array.from(videoRanking(video).top5), [0, 1, 2, 3, 4, 1, 0, 2, 3, 4, 1, 0, 2, 3, 7, 0, 1, 2, 3, 4]);
  // consecutive: flips 0→1, 1→1, 1→0 = 2/3; distances 2, 1, 3 → 2
  t.same(videoScore(video, { noise: false }), { flip: 2 / 3, t5d: 2, pairs: 3 });
  // noise: (0,1) flip, d 2; (0,2) flip, d 3; (0,3) same, d 0 → 2/3, 5/3
  t.same(videoScore(video, { noise: true }), { flip: 2 / 3, t5d: 5 / 3, pairs: 3 });
  // difficulty 2: (0,2) flip, d 3; (1,3) flip, d 2 → 1, 2.5
  t.same(videoScore(video, { noise: false, difficulty: 2 }), { flip: 1, t5d: 2.5, pairs: 2 });
  t.throws(() => videoScore(L([[1, 2, 3, 4, 5]]), { noise: false }), /no frame pairs/);
});

t.test('top-5 distance equals the full-ranking formula of test.py on random tied logits', async (t) => {
  // Reference: ordinal ranks of all K classes (ties by lower index), σ = ranks_b[argsort(ranks_a)],
  // d = Σ_{i=1..5} |min(i−1,5) − min(σ(i)−1,5)|.
  const rng = mulberry(11);
  const K = 10;
  const T = 6;
  let bad = 0;
  for (let v = 0; v < 200; v++) {
    const rows = Array.from({ length: T }, () => Array.from({ length: K }, () => Math.floor(rng() * 4)));
    const ranks = rows.map((r) => {
      const order = Array.from({ length: K }, (_, j) => j).sort((x, y) => r[y] - r[x] || x - y);
      const rk = new Array<number>(K);
      order.forEach((c, pos) => (rk[c] = pos + 1));
      return { order, rk };
    });
    const ref = (a: number, b: number) => {
      let d = 0;
      for (let i = 1; i <= 5; i++) {
        const sigma = ranks[b].rk[ranks[a].order[i - 1]];
        d += Math.abs(Math.min(i - 1, 5) - Math.min(sigma - 1, 5));
      }
      return d;
    };
    let sum = 0;
    let flips = 0;
    for (let j = 1; j < T; j++) {
      sum += ref(j - 1, j);
      flips += ranks[j].order[0] !== ranks[j - 1].order[0] ? 1 : 0;
    }
    const got = videoScore(L(rows), { noise: false });
    if (Math.abs(got.t5d - sum / (T - 1)) > 1e-12 || Math.abs(got.flip - flips / (T - 1)) > 1e-12) bad++;
  }
  t.equal(bad, 0);
});

t.test('perturbation averages: within video, then over videos', async (t) => {
  const p = perturbationScore([
    { flip: 0.5, t5d: 1, pairs: 30 },
    { flip: 0, t5d: 3, pairs: 10 },
  ]);
  t.same(p, { fp: 0.25, ut5d: 2, videos: 2 });
  t.throws(() => perturbationScore([]), /no videos/);
  t.ok(isNoisePerturbation('gaussian_noise') && isNoisePerturbation('shot_noise_2') && !isNoisePerturbation('snow'));
  t.equal(expectedFrameCount('translate'), 41);
  t.equal(expectedFrameCount('rotate'), 31);
});

t.test('FR / T5D / mFR / mT5D against a baseline; raw values always', async (t) => {
  const raw: Record<string, { fp: number; ut5d: number }> = {};
  const baseline: Record<string, { fp: number; t5d: number }> = {};
  for (const p of P_TEST_PERTURBATIONS) {
    raw[p] = { fp: 0.2, ut5d: 1.5 };
    baseline[p] = { fp: 0.4, t5d: 3 };
  }
  baseline.tilt = { fp: 0.5, t5d: 2 };
  raw.shear = { fp: 0.1, ut5d: 0.5 };
  const s = imagenetPSummary(raw, baseline);
  t.ok(Math.abs(s.mFR! - (9 * 0.5 + 0.4) / 10) < 1e-12);
  t.ok(Math.abs(s.mT5D! - (9 * 0.5 + 0.75) / 10) < 1e-12);
  t.equal(s.reason, null);
  t.equal(s.perturbations.length, 11);
  const shear = s.perturbations.at(-1)!;
  t.same([shear.perturbation, shear.test, shear.fr, shear.fp], ['shear', false, null, 0.1]);

  const none = imagenetPSummary(raw);
  t.equal(none.mFR, null);
  t.match(none.reason, /no baseline/);
  t.equal(none.perturbations[0].fp, 0.2);
  t.equal(none.perturbations[0].fr, null);

  const partialRaw = { ...raw };
  delete partialRaw.scale;
  const p2 = imagenetPSummary(partialRaw, baseline);
  t.equal(p2.mT5D, null);
  t.match(p2.reason, /not scored: scale/);

  const partialBase = { ...baseline };
  delete partialBase.rotate;
  const p3 = imagenetPSummary(raw, partialBase);
  t.equal(p3.mFR, null);
  t.match(p3.reason, /baseline lacks: rotate/);
  t.equal(p3.perturbations.find((p) => p.perturbation === 'rotate')!.fr, null);
  t.equal(p3.perturbations.find((p) => p.perturbation === 'tilt')!.fr, 0.4);

  t.equal(baselineFromAlexNetP(alexnetP()), null, 'shipped AlexNet-P values are all null');
  t.same(baselineFromAlexNetP({ flip_rate: { a: 0.1, b: null }, top5_distance: { a: 2, b: 3 } }), { a: { fp: 0.1, t5d: 2 } });
});
