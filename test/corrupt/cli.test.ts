// Bad input gets a clear, named error and loses nothing: the corrupt CLI's arguments, a rerun with other
// settings into an existing set, and the native entry point's own checks.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import sharp from 'sharp';
import t from 'tap';

import { corruptMain, type CorruptArgs } from '../../src/cli/commands/corrupt.js';
import { frostFromDir } from '../../src/corrupt/frost.js';
import { corruptionParams, parseSeverities } from '../../src/corrupt/params.js';
import { corruptImages, EngineError } from '../../src/native.js';
import { CLI, hashTree, makeSourceFolder } from './fixtures.js';

const run = promisify(execFile);
const src = await makeSourceFolder(2, 48);
const out = src + '-cli';
t.teardown(() => {
  rmSync(src, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
});
const quiet = () => {};
const args = (over: Partial<CorruptArgs> = {}): CorruptArgs => ({
  data: src, out, corruptions: 'fog,contrast', severities: '1..2', seed: 1, size: 48, format: 'png', batch: 4, json: true, ...over,
});

const fails = async (argv: string[]) => {
  try {
    await run('node', [CLI, 'corrupt', ...argv]);
  } catch (e) {
    return e as { code: number; stderr: string };
  }
  throw new Error('expected the command to fail');
};

t.test('--help teaches the layout, the seed and the frost choice', async (t) => {
  const { stdout } = await run('node', [CLI, 'corrupt', '--help']);
  for (const s of ['<corruption>/<severity>/<wnid>/<file>', '--seed', '--frost-dir', 'procedural', 'resume', 'JPEG quality 85']) t.match(stdout, s);
});

t.test('unknown names and bad ranges are refused by name', async (t) => {
  const e1 = await fails(['--data', src, '--out', out, '--corruptions', 'fog,rain']);
  t.equal(e1.code, 1);
  t.match(e1.stderr, /--corruptions: unknown name\(s\) rain/);
  t.notMatch(e1.stderr, /\n\s+at /, 'a message, not a stack trace');
  const e2 = await fails(['--data', src, '--out', out, '--severities', '0..6']);
  t.match(e2.stderr, /--severities: expected 1\.\.5/);
  const e3 = await fails(['--data', path.join(src, 'nope'), '--out', out]);
  t.match(e3.stderr, /nope: cannot be read/);
  t.same(parseSeverities('2..4'), [2, 3, 4]);
  t.same(parseSeverities('5,1,3'), [1, 3, 5]);
});

t.test('a rerun with other settings into an existing set is refused and changes nothing', async (t) => {
  const r = await corruptMain(args(), quiet);
  t.ok(r.complete);
  const before = hashTree(out);
  await t.rejects(corruptMain(args({ seed: 2 }), quiet), /made with seed = 1, not 2/);
  await t.rejects(corruptMain(args({ format: 'jpeg' }), quiet), /format = "png", not "jpeg"/);
  t.same([...hashTree(out)], [...before], 'the set is untouched');
  const more = await corruptMain(args({ corruptions: 'fog,contrast,brightness' }), quiet);
  t.equal(more.written, 3 * 2, 'adding a corruption makes only its files');
});

t.test('the native entry point checks its arguments', async (t) => {
  const img = new Uint8Array(16 * 16 * 3);
  const base = { corruption: 'fog', severity: 1, params: corruptionParams('fog', 1), seed: 0, width: 16, height: 16, images: img, keys: ['a'] };
  await t.rejects(corruptImages({ ...base, corruption: 'rain' }), { name: 'EngineError', code: 'LKR_ARG', message: /unknown corruption "rain"/ });
  await t.rejects(corruptImages({ ...base, params: [1] }), { code: 'LKR_ARG', message: /fog takes 2 parameter/ });
  await t.rejects(corruptImages({ ...base, severity: 6 }), { code: 'LKR_ARG', message: /severity must be 1\.\.5/ });
  await t.rejects(corruptImages({ ...base, keys: ['a', 'b'] }), { code: 'LKR_ARG', message: /hold 1536 bytes, received 768/ });
  await t.rejects(corruptImages({ ...base, corruption: 'frost', params: corruptionParams('frost', 1) }), { code: 'LKR_ARG', message: /frost needs texture images/ });
  await t.rejects(
    corruptImages({ ...base, corruption: 'frost', params: corruptionParams('frost', 1), frost: [{ width: 8, height: 8, data: new Uint8Array(192) }] }),
    { code: 'LKR_ARG', message: /smaller than an image/ },
  );
  t.ok(EngineError);
});

t.test('--frost-dir textures are used and recorded; a small one is scaled to cover the images', async (t) => {
  const dir = path.join(out, '..', path.basename(out) + '-frost');
  mkdirSync(dir, { recursive: true });
  await sharp({ create: { width: 30, height: 20, channels: 3, background: { r: 250, g: 250, b: 255 } } }).png().toFile(path.join(dir, 'ice.png'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const f = await frostFromDir(dir, 48);
  t.equal(f.kind, 'files');
  t.ok(f.textures[0].width >= 48 && f.textures[0].height >= 48, `scaled to ${f.textures[0].width}x${f.textures[0].height}`);
  const dest = path.join(dir, 'set');
  const r = await corruptMain(args({ out: dest, corruptions: 'frost', severities: '5', frostDir: dir }), quiet);
  t.ok(r.complete);
  t.match(JSON.parse(readFileSync(path.join(dest, 'manifest.json'), 'utf8')).frost, /^files: .*ice\.png/);
  await t.rejects(frostFromDir(path.join(dir, 'set', 'frost', '5'), 48), /no image files/);
});
