// Regression cases for the defects of the hostile-input pass (issue 22), one subtest per defect. Every file
// is built here, byte by byte (test/fuzz/hostile_cases.ts), so no oracle is needed.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import t from 'tap';

import { scanImageFolder } from '../../src/data/imagefolder.js';
import { parseNpy } from '../../src/data/npy.js';
import { npyAsInput } from '../../src/data/npy_input.js';
import { loadCheckpointBuffer } from '../../src/models/checkpoint/index.js';
import { HOSTILE_CASES, type HostileCase } from '../fuzz/hostile_cases.js';

/** The code a case's file is answered with ('ok' when it loads); a crash shows as 'uncoded: <message>'. */
function outcome(c: HostileCase): string {
  const file = `${c.name}.${c.format === 'npy' ? 'npy' : 'pth'}`;
  try {
    if (c.format === 'npy') npyAsInput(parseNpy(c.bytes(), file), file);
    else loadCheckpointBuffer(c.bytes(), file);
    return 'ok';
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('LKR_')) {
      if (!(e as Error).message.includes(file)) return `${code} without the file name: ${(e as Error).message}`;
      return code;
    }
    return `uncoded: ${(e as Error).message.slice(0, 200)}`;
  }
}

for (const defect of [1, 3, 4, 5, 6, 8]) {
  t.test(`defect ${defect}: each hostile file is answered as PyTorch would, by error code`, async (t) => {
    for (const c of HOSTILE_CASES.filter((k) => k.defect === defect)) t.equal(outcome(c), c.expect, c.name);
  });
}

t.test('defect 3: the message of a refused view says what was found', async (t) => {
  const c = HOSTILE_CASES.find((k) => k.name === 'view-negative-stride')!;
  t.throws(() => loadCheckpointBuffer(c.bytes(), 'v.pth'), /v\.pth: tensor "w": negative stride in \[-2,-1\]/);
});

t.test('defect 8: legacy files with protocols 3 to 5 load the same values', async (t) => {
  for (const protocol of [3, 4, 5]) {
    const c = HOSTILE_CASES.find((k) => k.name === `legacy-protocol-${protocol}`)!;
    const ck = loadCheckpointBuffer(c.bytes(), 'p.pth');
    t.equal(ck.format, 'pytorch-legacy');
    t.same(Array.from(ck.tensors.get('w')!.data!), [1, 2, 3, 4], `protocol ${protocol}`);
  }
});

t.test('defect 2: an image folder with symlinks back to itself lists each image once, and ends', async (t) => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'lkr-loop-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  for (const cls of ['a', 'b']) {
    mkdirSync(path.join(root, cls, 'sub'), { recursive: true });
    writeFileSync(path.join(root, cls, 'x.jpg'), '');
    writeFileSync(path.join(root, cls, 'sub', 'y.jpg'), '');
  }
  symlinkSync('.', path.join(root, 'a', 's1'));
  symlinkSync('.', path.join(root, 'a', 's2'));
  symlinkSync('..', path.join(root, 'a', 'sub', 'up'));
  symlinkSync('..', path.join(root, 'b', 'parent'));
  const started = Date.now();
  const ds = scanImageFolder(root, { labels: 'folders' });
  t.ok(Date.now() - started < 5000, 'the walk ends quickly');
  const rel = ds.items.map((i) => `${i.className}:${path.relative(root, i.path)}`);
  t.same(rel, ['a:a/x.jpg', 'a:a/sub/y.jpg', 'b:b/x.jpg', 'b:b/sub/y.jpg']);
  const skip = scanImageFolder(root, { labels: 'folders', symlinks: 'skip' });
  t.equal(skip.items.length, 4, "symlinks: 'skip' lists the same real files");
});
