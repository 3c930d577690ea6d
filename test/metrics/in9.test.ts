import t from 'tap';

import { in9Summary } from '../../src/metrics/in9.js';

t.test('accuracy per variation and BG-Gap = acc(mixed_same) − acc(mixed_rand)', async (t) => {
  const s = in9Summary({
    zz_custom: { correct: 1, total: 4 },
    mixed_rand: { correct: 4, total: 8 },
    original: { correct: 9, total: 10 },
    mixed_same: { correct: 7, total: 10 },
  });
  t.same(Object.keys(s.accuracy), ['original', 'mixed_same', 'mixed_rand', 'zz_custom']);
  t.same(s.accuracy, { original: 0.9, mixed_same: 0.7, mixed_rand: 0.5, zz_custom: 0.25 });
  t.ok(Math.abs(s.bgGap! - 0.2) < 1e-15);
  t.equal(s.bgGapReason, null);
});

t.test('BG-Gap is null, with the reason, when a mixed variation is missing or empty', async (t) => {
  const s = in9Summary({ original: { correct: 9, total: 10 }, mixed_same: { correct: 0, total: 0 } });
  t.equal(s.bgGap, null);
  t.match(s.bgGapReason, /not scored: mixed_same, mixed_rand/);
  t.notOk('mixed_same' in s.accuracy, 'an empty variation has no accuracy');
  t.same(s.counts.mixed_same, { correct: 0, total: 0 });
  t.throws(() => in9Summary({ original: { correct: 11, total: 10 } }), /11 correct of 10/);
});
