// `lkrobust demo --synthetic`: the pipeline demo stays as it was — synthetic data in every released layout, the
// random-weight lkr_demo_convnext, `eval` on each benchmark, a report — and keeps saying its weights are random.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import t from 'tap';

import { CLI } from '../eval/fixtures.js';

const run = promisify(execFile);

t.test('`lkrobust demo --synthetic` runs every benchmark on synthetic data and says the model is untrained', async (t) => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'lkr-demo-syn-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const { stdout, stderr } = await run('node', [CLI, 'demo', '--synthetic', '--out', out, '--json'], { maxBuffer: 64 << 20 });
  const report = JSON.parse(stdout) as { model: string; untrained: boolean; benchmarks: Record<string, unknown> };
  t.equal(report.model, 'lkr_demo_convnext');
  t.equal(report.untrained, true);
  const benchmarks = ['imagenet-val', 'imagenet-a', 'imagenet-r', 'imagenet-o', 'imagenet-c', 'imagenet-p', 'imagenet-9'];
  t.same(Object.keys(report.benchmarks).sort(), [...benchmarks].sort(), 'every benchmark');
  for (const b of benchmarks) t.ok(existsSync(path.join(out, 'runs', b, 'results.json')), `${b}: results.json`);
  t.ok(existsSync(path.join(out, 'report.html')), 'report.html');
  t.same(JSON.parse(readFileSync(path.join(out, 'demo-summary.json'), 'utf8')).untrained, true);
  t.match(stderr, /RANDOM weights/, 'the caveat stays in this mode');
  t.notOk(existsSync(path.join(out, 'results.json')), 'not the trained demo\'s table');
});
