// `lkrobust bench analyses` through the CLI on a tiny batch: one row per requested analysis plus the forward
// reference, with counted engine calls (one batched call per setting) and a clear error for an unknown name.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import t from 'tap';

import { CLI } from '../eval/fixtures.js';

const run = promisify(execFile);

t.test('bench analyses: rows, engine calls per batch, JSON', async (t) => {
  const { stdout } = await run('node', [CLI, 'bench', 'analyses', '--model', 'resnet50', '--batch', '2', '--size', '64', '--analyses', 'lesion,feature-variance,erf', '--json']);
  const r = JSON.parse(stdout) as { threads: number; rows: { analysis: string; engine_calls: number; images_per_second: number; batch: number }[] };
  t.same(r.rows.map((x) => x.analysis), ['forward (reference)', 'lesion', 'feature-variance', 'erf']);
  t.same(r.rows.map((x) => x.engine_calls), [1, 11, 1, 2], 'lesion: clean + 10 sets; variance: one recorded forward; ERF: features + gradient');
  for (const row of r.rows) t.ok(row.images_per_second > 0 && row.batch === 2, `${row.analysis}: ${row.images_per_second.toFixed(1)} img/s`);
});

t.test('bench analyses: an unknown analysis is named', async (t) => {
  const e = await run('node', [CLI, 'bench', 'analyses', '--analyses', 'erf,occlusion']).then(() => null, (err: { code: number; stderr: string }) => err);
  t.ok(e && e.code !== 0, 'exits non-zero');
  t.match(e!.stderr, /unknown analysis "occlusion": choose from occlusion-random/);
});
