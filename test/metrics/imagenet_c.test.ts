import t from 'tap';

import { alexnetC } from '../../src/data/reference_data.js';
import {
  type CBaseline,
  corruptionError,
  errorTable,
  imagenetCSummary,
  relativeCorruptionError,
} from '../../src/metrics/imagenet_c.js';

// A made-up baseline: two "benchmark" corruptions and one "extra", AlexNet clean error 0.4.
const base: CBaseline = {
  clean_error: 0.4,
  errors_per_severity: { a: [0.5, 0.6, 0.7, 0.8, 0.9], b: [0.6, 0.6, 0.6, 0.6, 0.6], x: [0.5, 0.5, 0.5, 0.5, 0.5] },
  benchmark_15: ['a', 'b'],
  extra_4: ['x'],
};
const model = { a: [0.2, 0.3, 0.4, 0.5, 0.6], b: [0.3, 0.3, 0.3, 0.3, 0.4], x: [0.2, 0.2, 0.2, 0.2, 0.2] };

t.test('CE and relative CE of one corruption', async (t) => {
  t.equal(corruptionError(model.a, base.errors_per_severity.a), 2.0 / 3.5);
  t.equal(relativeCorruptionError(model.a, 0.1, base.errors_per_severity.a, 0.4), (2.0 - 0.5) / (3.5 - 2.0));
  t.equal(relativeCorruptionError([0.5], 0.1, [0.3], 0.4), null, 'AlexNet below its clean error: undefined');
  t.throws(() => corruptionError([0.1, 0.2], [0.3]), /2 model errors vs 1/);
});

t.test('mCE, relative mCE, 19-mean and unnormalised mean on a complete table', async (t) => {
  const r = imagenetCSummary(model, base, 0.1);
  t.equal(r.units, 'fraction');
  t.same(r.corruptions.map((c) => [c.corruption, c.set]), [['a', 'benchmark'], ['b', 'benchmark'], ['x', 'extra']]);
  const [a, b, x] = r.corruptions;
  t.ok(Math.abs(a.ce! - 4 / 7) < 1e-15);
  t.ok(Math.abs(b.ce! - 1.6 / 3) < 1e-15);
  t.ok(Math.abs(x.ce! - 0.4) < 1e-15);
  t.ok(Math.abs(a.relativeCe! - 1.0) < 1e-12); // (2.0−0.5)/(3.5−2.0)
  t.ok(Math.abs(b.relativeCe! - 1.1) < 1e-12); // (1.6−0.5)/(3.0−2.0)
  t.ok(Math.abs(x.relativeCe! - 1.0) < 1e-12); // (1.0−0.5)/(2.5−2.0)
  t.ok(Math.abs(a.meanError! - 0.4) < 1e-15);
  t.ok(Math.abs(r.mCE! - (4 / 7 + 1.6 / 3) / 2) < 1e-15, 'mCE over the benchmark set only');
  t.ok(Math.abs(r.relativeMCE! - 1.05) < 1e-12);
  t.ok(Math.abs(r.meanCE19! - (4 / 7 + 1.6 / 3 + 0.4) / 3) < 1e-15);
  t.ok(Math.abs(r.unnormalizedMeanError19! - 4.6 / 15) < 1e-15);
  t.same(r.missing, []);
  t.equal(r.mCEReason, null);
  const noClean = imagenetCSummary(model, base);
  t.equal(noClean.relativeMCE, null);
  t.match(noClean.relativeMCEReason, /clean error/);
  t.ok(noClean.mCE !== null);
});

t.test('missing severities and corruptions are reported, never averaged', async (t) => {
  const r = imagenetCSummary({ a: model.a, b: [0.3, 0.3, null, 0.3, 0.4], zzz: [0.1, 0.1, 0.1, 0.1, 0.1] }, base, 0.1);
  t.same(r.missing, [
    { corruption: 'b', severities: [3] },
    { corruption: 'x', severities: [1, 2, 3, 4, 5] },
  ]);
  const b = r.corruptions.find((c) => c.corruption === 'b')!;
  t.equal(b.ce, null);
  t.equal(b.meanError, null);
  t.same(b.missingSeverities, [3]);
  t.same(b.errors, [0.3, 0.3, null, 0.3, 0.4]);
  t.equal(r.mCE, null);
  t.match(r.mCEReason, /b \(severity 3\)/);
  t.equal(r.meanCE19, null);
  t.match(r.meanCE19Reason, /x \(absent\)/);
  t.equal(r.unnormalizedMeanError19, null);
  const z = r.corruptions.at(-1)!;
  t.same([z.corruption, z.set, z.ce, z.meanError], ['zzz', 'other', null, 0.1]);
  t.match(z.note, /no AlexNet baseline/);
  // Only the extra missing: mCE is still defined, the 19-mean is not.
  const r2 = imagenetCSummary({ a: model.a, b: model.b, x: [0.2, 0.2] }, base);
  t.ok(r2.mCE !== null);
  t.equal(r2.meanCE19, null);
  t.same(r2.missing, [{ corruption: 'x', severities: [3, 4, 5] }]);
});

t.test('bad inputs throw', async (t) => {
  t.throws(() => imagenetCSummary({ a: [0.2, 1.5, 0.1, 0.1, 0.1] }, base), /a severity 2 is 1\.5/);
  t.throws(() => imagenetCSummary({ a: [0.2, NaN] }, base), /expected a fraction/);
  t.throws(() => imagenetCSummary({ a: [0.1, 0.1, 0.1, 0.1, 0.1, 0.1] }, base), /6 severities/);
});

t.test('errorTable builds rows, refuses duplicates', async (t) => {
  const tab = errorTable([
    { corruption: 'a', severity: 2, error: 0.3 },
    { corruption: 'a', severity: 1, error: 0.2 },
  ]);
  t.same(tab, { a: [0.2, 0.3, null, null, null] });
  t.throws(() => errorTable([{ corruption: 'a', severity: 6, error: 0.1 }]), /severity 6/);
  t.throws(() =>
    errorTable([
      { corruption: 'a', severity: 1, error: 0.1 },
      { corruption: 'a', severity: 1, error: 0.2 },
    ]), /given twice/);
});

t.test('the shipped AlexNet table: AlexNet scores mCE = relative mCE = 1', async (t) => {
  const alex = alexnetC();
  t.equal(alex.clean_error, 0.4345);
  for (const c of [...alex.benchmark_15, ...alex.extra_4]) {
    const s = alex.errors_per_severity[c];
    t.ok(Math.abs(s.reduce((p, v) => p + v, 0) / 5 - alex.errors[c]) < 1e-9, `${c}: mean of severities = listed mean`);
  }
  const r = imagenetCSummary(alex.errors_per_severity, alex, alex.clean_error);
  t.ok(Math.abs(r.mCE! - 1) < 1e-12);
  t.ok(Math.abs(r.relativeMCE! - 1) < 1e-12);
  t.ok(Math.abs(r.meanCE19! - 1) < 1e-12);
  t.equal(r.corruptions.length, 19);
  // unnormalised mean over 19 × 5 = mean of A_c over 19 = 0.781219 (REFERENCE §3.2)
  t.ok(Math.abs(r.unnormalizedMeanError19! - 0.781219) < 5e-7);
});
