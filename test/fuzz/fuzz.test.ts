// The in-suite fuzz run (issue 22): a few thousand inputs across every format from a fixed seed, in seconds,
// then every input a longer run ever crashed on (test/fuzz/crashes/), replayed. `npm run fuzz -- --minutes N`
// is the long run (test/fuzz/main.ts).
import { readdirSync, readFileSync } from 'node:fs';

import t from 'tap';

import { runInput, runRange } from './engine.js';
import { mulberry32 } from '../../src/util/rng.js';
import { makeTargets } from './targets.js';

const INPUTS = Number(process.env.LKR_FUZZ_INPUTS ?? 4000);

t.test(`${INPUTS} fuzz inputs from seed 22: every one read or refused by name`, async (t) => {
  const targets = await makeTargets();
  const started = Date.now();
  const stats = await runRange(targets, 22, 0, INPUTS);
  t.comment(`${stats.inputs} inputs in ${Date.now() - started} ms; slowest ${stats.slowest.ms.toFixed(0)} ms (${stats.slowest.target} #${stats.slowest.index})`);
  for (const [name, s] of Object.entries(stats.byTarget)) t.comment(`${name}: ${JSON.stringify(s)}`);
  for (const c of stats.crashes.slice(0, 10)) t.comment(`crash ${c.target} #${c.index}: ${c.detail}`);
  t.equal(stats.crashes.length, 0, 'no crashes');
  t.ok(stats.slowest.ms < 10_000, 'no input takes 10 s');
  for (const [name, s] of Object.entries(stats.byTarget)) t.ok(s.inputs > 0, `${name} was fuzzed`);
});

t.test('inputs a long run crashed on stay fixed', async (t) => {
  const targets = await makeTargets();
  const dir = new URL('./crashes/', import.meta.url);
  const files = (() => {
    try {
      return readdirSync(dir).filter((f) => f.endsWith('.bin'));
    } catch {
      return [];
    }
  })();
  for (const f of files) {
    const target = targets.find((x) => f.startsWith(`${x.name}-`));
    if (!target) {
      t.fail(`${f}: no fuzz target named by its prefix`);
      continue;
    }
    const r = await runInput({ index: 0, target, bytes: readFileSync(new URL(f, dir)), rng: mulberry32(1), file: f });
    t.not(r.verdict, 'crash', `${f}: ${r.detail}`);
  }
  t.pass(`${files.length} saved crash inputs replayed`);
});
