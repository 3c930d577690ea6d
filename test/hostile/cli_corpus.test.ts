// Done-when 3 of issue 22: every hostile file, given to the CLI, ends in one line naming the file and an LKR_
// code — never a stack trace. Checkpoints go through `convert`, .npy batches through `predict --input` (read
// before any weights). Runs the built CLI (dist/), two processes at a time.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import t from 'tap';

import { HOSTILE_CASES, type HostileCase } from '../fuzz/hostile_cases.js';

const run = promisify(execFile);
const cli = new URL('../../dist/cli/main.js', import.meta.url).pathname;
const dir = mkdtempSync(path.join(os.tmpdir(), 'lkr-hostile-cli-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

async function runCli(c: HostileCase): Promise<{ code: number; stderr: string; file: string }> {
  const file = path.join(dir, `${c.name}.${c.format === 'npy' ? 'npy' : 'pth'}`);
  writeFileSync(file, c.bytes());
  const args =
    c.format === 'npy'
      ? ['predict', '--model', 'lkr_demo_convnext', '--weights', path.join(dir, 'absent.safetensors'), '--input', file]
      : ['convert', '--model', 'lkr_demo_convnext', '--weights', file, '--out', path.join(dir, 'out.safetensors')];
  try {
    const r = await run(process.execPath, [cli, ...args], { env: { ...process.env, LKR_NUM_THREADS: '1' }, timeout: 60_000, maxBuffer: 1 << 20 });
    return { code: 0, stderr: r.stderr, file };
  } catch (e) {
    const err = e as { code?: number; stderr?: string; killed?: boolean };
    return { code: err.killed ? -1 : (err.code ?? -1), stderr: err.stderr ?? '', file };
  }
}

t.test('no hostile file makes the CLI print a stack trace; each refusal is named', async (t) => {
  const cases = [...HOSTILE_CASES];
  const results = new Map<string, Awaited<ReturnType<typeof runCli>>>();
  const worker = async () => {
    for (let c = cases.shift(); c; c = cases.shift()) results.set(c.name, await runCli(c));
  };
  await Promise.all([worker(), worker()]);
  for (const c of HOSTILE_CASES) {
    const r = results.get(c.name)!;
    t.notMatch(r.stderr, /\n\s+at /, `${c.name}: no stack trace`);
    t.equal(r.code, 1, `${c.name}: exits 1`);
    // A file that loads is then refused for its keys (it holds no lkr_demo_convnext weights): still named.
    const expect = c.expect === 'ok' ? 'LKR_CKPT_KEYS' : c.expect;
    t.match(r.stderr, new RegExp(`^lkrobust: .*${path.basename(r.file).replace(/\./g, '\\.')}.*\\[${expect}\\]\\n$`, 's'), `${c.name}: named ${expect}`);
  }
});
