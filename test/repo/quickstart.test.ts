// The README's quick start is what CI runs (scripts/readme-quickstart.sh reads it from README.md): check that the
// reader finds the block, that a failing line stops the run, and that every `lkrobust` example names a command.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import t from 'tap';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const READER = path.join(ROOT, 'scripts/readme-quickstart.sh');
const CLI = path.join(ROOT, 'dist/cli/main.js');

t.test('the quick start read from README.md installs and runs the demo, then the tests', async (t) => {
  const { stdout } = await run('bash', [READER, 'lines', path.join(ROOT, 'README.md')]);
  const lines = stdout.trim().split('\n');
  t.equal(lines.length, 2, 'two commands');
  t.match(lines[0], /^npm install && npm run demo\b/);
  t.match(lines[1], /^npm test\b/);
  t.notMatch(stdout, /\bnpx\b/, 'no npx: its cache breaks after a failed first try');
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  t.equal(pkg.scripts.demo, 'node dist/cli/main.js demo', 'npm run demo runs the built CLI');
});

t.test('CI runs the block it reads from README.md', async (t) => {
  const ci = readFileSync(path.join(ROOT, '.ci/run'), 'utf8');
  t.match(ci, /scripts\/readme-quickstart\.sh lines README\.md/);
});

t.test('a failing quick-start line stops the run and is named; later lines do not run', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lkr-readme-'));
  try {
    const marker = path.join(dir, 'after');
    const readme = path.join(dir, 'README.md');
    writeFileSync(readme, `# x\n\n\`\`\`sh\ntrue    # fine\nfalse && echo never   # breaks\ntouch ${marker}\n\`\`\`\n\n\`\`\`sh\ntouch ${marker}\n\`\`\`\n`);
    const { stdout } = await run('bash', [READER, 'lines', readme]);
    t.equal(stdout.trim().split('\n').length, 3, 'only the first block');
    const r = await run('bash', [READER, 'run', readme]).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    t.equal(r.code, 1);
    t.match(r.stderr, /this README quick-start line failed: false && echo never/);
    t.notOk(existsSync(marker), 'the run stopped at the failing line');
    writeFileSync(readme, '# no commands here\n');
    await t.rejects(run('bash', [READER, 'lines', readme]), /no fenced code block/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t.test('every `lkrobust <command>` example in the README is a command with --help', async (t) => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const used = new Set([...readme.matchAll(/^lkrobust ([a-z][a-z-]*)/gm)].map((m) => m[1]));
  t.ok(used.size >= 8, `the README shows ${used.size} commands`);
  for (const c of used) {
    const { stdout } = await run('node', [CLI, c, '--help']);
    t.match(stdout, new RegExp(`lkrobust ${c}`), `lkrobust ${c} --help`);
  }
});
