// Done-when 2: the same seed gives byte-identical folders; a SIGKILLed `corrupt` rerun finishes the set with
// nothing redone. Also: results do not depend on batch size (thread scheduling), the random corruptions depend
// on the seed and the deterministic ones do not, and an input already at --size is not resampled.
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import sharp from 'sharp';
import t from 'tap';

import { corruptMain, type CorruptArgs } from '../../src/cli/commands/corrupt.js';
import { proceduralFrost } from '../../src/corrupt/frost.js';
import { corruptToFiles } from '../../src/corrupt/corruptor.js';
import { CORRUPTIONS, isRandom } from '../../src/corrupt/params.js';
import { CLI, hashTree, makeSourceFolder } from './fixtures.js';

const run = promisify(execFile);
const SIZE = 64;
const src = await makeSourceFolder(6, SIZE);
const outRoot = path.join(src, '..', path.basename(src) + '-out');
t.teardown(() => {
  rmSync(src, { recursive: true, force: true });
  rmSync(outRoot, { recursive: true, force: true });
});
const quiet = () => {};
const args = (out: string, over: Partial<CorruptArgs> = {}): CorruptArgs => ({
  data: src, out, corruptions: 'all', severities: '1..5', seed: 11, size: SIZE, format: 'jpeg', batch: 4, json: true, ...over,
});

t.test('the same seed gives byte-identical folders; batch size does not matter', async (t) => {
  const a = path.join(outRoot, 'a');
  const b = path.join(outRoot, 'b');
  const r = await corruptMain(args(a), quiet);
  t.ok(r.complete);
  t.equal(r.written, 7 * 19 * 5);
  await corruptMain(args(b, { batch: 3 }), quiet);
  const ha = hashTree(a);
  const hb = hashTree(b);
  t.equal(ha.size, 7 * 19 * 5, 'one file per image, corruption and severity');
  t.same([...hb.entries()], [...ha.entries()], 'identical bytes');
  t.ok(ha.has(path.join('glass_blur', '3', 'n01443537', 'ILSVRC2012_val_00000001.JPEG')), 'released layout and names');
  const m = JSON.parse(readFileSync(path.join(a, 'manifest.json'), 'utf8'));
  t.match(m, { seed: 11, size: SIZE, format: 'jpeg', jpeg_quality: 85, complete: true, frost: /^procedural/ });
});

t.test('random corruptions follow the seed, deterministic ones ignore it', async (t) => {
  const c = path.join(outRoot, 'c');
  await corruptMain(args(c, { seed: 12 }), quiet);
  const ha = hashTree(path.join(outRoot, 'a'));
  const hc = hashTree(c);
  for (const name of CORRUPTIONS) {
    const key = path.join(name, '4', 'n01440764', 'ILSVRC2012_val_00000002.JPEG');
    if (isRandom(name)) t.not(hc.get(key), ha.get(key), `${name} changes with the seed`);
    else t.equal(hc.get(key), ha.get(key), `${name} is a function of the image alone`);
  }
});

t.test('an input already at --size is not resampled', async (t) => {
  const png = path.join(src, 'n01440764', 'already_at_size.png');
  const { data } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const out = path.join(outRoot, 'png');
  await corruptMain(args(out, { corruptions: 'contrast', severities: '1', format: 'png' }), quiet);
  const written = await sharp(path.join(out, 'contrast', '1', 'n01440764', 'already_at_size.png')).raw().toBuffer();
  const frost = proceduralFrost(SIZE);
  const [direct] = await corruptToFiles([data], ['n01440764/already_at_size.png'], { corruption: 'contrast', severity: 1 }, { seed: 11, size: SIZE, format: 'png', frost });
  t.same(written, await sharp(direct).raw().toBuffer(), 'the file is the corruption of the untouched pixels');
});

t.test('a corrupt run killed with SIGKILL and rerun finishes the set with nothing redone', async (t) => {
  const whole = path.join(outRoot, 'a');
  const killed = path.join(outRoot, 'killed');
  const cliArgs = [CLI, 'corrupt', '--data', src, '--out', killed, '--seed', '11', '--size', String(SIZE), '--batch', '1', '--json'];
  const child = spawn('node', cliArgs, { stdio: 'ignore' });
  const count = () => (existsSync(killed) ? [...hashTree(killed).keys()].filter((k) => !k.includes('.part-')).length : 0);
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (count() >= 100) {
        clearInterval(timer);
        child.kill('SIGKILL');
        resolve();
      }
    }, 10);
    child.on('exit', () => {
      clearInterval(timer);
      reject(new Error('the run finished before it could be killed'));
    });
  }).catch((e) => t.fail(String(e)));
  await new Promise((r) => child.once('exit', r));
  const before = new Map<string, number>();
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = path.join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n !== 'manifest.json' && !n.includes('.part-')) before.set(p, statSync(p).mtimeMs);
    }
  };
  // (the child is dead: nothing changes under us any more)
  walk(killed);
  t.ok(before.size >= 100 && before.size < 665, `killed after ${before.size} files`);
  const { stdout } = await run('node', cliArgs, { maxBuffer: 16 << 20 });
  const r = JSON.parse(stdout);
  t.equal(r.skippedExisting, before.size, 'every finished file was skipped');
  t.equal(r.written, 665 - before.size, 'only the missing files were made');
  t.ok(r.complete);
  for (const [p, mtime] of before) if (statSync(p).mtimeMs !== mtime) t.fail(`${p} was rewritten`);
  const left = [...hashTree(killed).keys()].filter((k) => k.includes('.part-'));
  const final = new Map([...hashTree(killed)].filter(([k]) => !k.includes('.part-')));
  t.same([...final.entries()], [...hashTree(whole).entries()], 'the resumed set equals an uninterrupted one');
  t.ok(left.length <= 1, 'at most the one file being written at the kill is left as a temporary');
});
