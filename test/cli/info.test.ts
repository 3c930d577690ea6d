import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';

import t from 'tap';

import { CLI } from '../eval/fixtures.js';

const run = promisify(execFile);
const nvcc = ['/usr/local/cuda/bin/nvcc', '/usr/bin/nvcc'].some((p) => existsSync(p));

/** The ops the engine declares: the X(name) entries of the LK_OPS list in native/core/backend.h. */
function declaredOps(): number {
  const header = readFileSync(new URL('../../native/core/backend.h', import.meta.url), 'utf8');
  const list = header.slice(header.indexOf('#define LK_OPS(X)'), header.indexOf('enum class Op'));
  return list.match(/\bX\(\w+\)/g)?.length ?? 0;
}

t.test('lkrobust info --json prints the backends', async (t) => {
  const { stdout } = await run('node', [CLI, 'info', '--json']);
  const info = JSON.parse(stdout);
  t.equal(info.package, 'lkrobust');
  t.match(info.version, /^\d+\.\d+\.\d+/);
  t.match(info.cpu.isa, /^(avx512|avx2|scalar)$/);
  t.ok(info.cpu.threads >= 1);
  t.match(info.cpu.onednn, /^\d+\.\d+\.\d+$/);
  t.equal(typeof info.cuda.compiled, 'boolean');
  t.ok(Array.isArray(info.cuda.devices));
  t.ok(declaredOps() > 40, 'the LK_OPS list was read');
  t.equal(info.ops, declaredOps(), 'every op of LK_OPS is registered');
});

t.test('the CUDA sources are compiled into the addon whenever nvcc is present', { skip: nvcc ? false : 'no nvcc on this machine' }, async (t) => {
  const { stdout } = await run('node', [CLI, 'info', '--json']);
  const info = JSON.parse(stdout);
  t.equal(info.cuda.compiled, true, 'LKR_CUDA=AUTO found nvcc and built the CUDA backend');
  t.equal(info.cuda.architectures, '80,90');
});

t.test('lkrobust info (text) and --help teach', async (t) => {
  const { stdout } = await run('node', [CLI, 'info']);
  t.match(stdout, /^lkrobust \d/);
  t.match(stdout, /cpu: /);
  const help = await run('node', [CLI, '--help']);
  for (const cmd of ['demo', 'eval', 'merge', 'analyze', 'predict', 'convert', 'models', 'bench', 'info']) t.match(help.stdout, new RegExp(`lkrobust ${cmd}`));
  await t.rejects(run('node', [CLI, 'evl']), /Did you mean eval/);
});
