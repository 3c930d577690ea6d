// eval --benchmark imagenet-c --generate: corrupting on the fly gives the same results as evaluating the folder
// `corrupt` writes (the same bytes, JPEG q85 round trip included), with nothing written to disk.
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

import t from 'tap';

import { randomParams } from '../../src/bench/model.js';
import { corruptMain } from '../../src/cli/commands/corrupt.js';
import { evalMain, type EvalArgs } from '../../src/cli/commands/eval.js';
import { writeSafetensors } from '../../src/models/checkpoint/index.js';
import { Model } from '../../src/models/model.js';
import { makeSourceFolder } from './fixtures.js';

const src = await makeSourceFolder(5, 96);
const work = src + '-gen';
t.teardown(() => {
  rmSync(src, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});
const quiet = () => {};
mkdirSync(work, { recursive: true });
const weights = path.join(work, 'demo.safetensors');
writeSafetensors(weights, new Map(Object.entries(randomParams(new Model('lkr_demo_convnext'), 3))));
const CORRUPTIONS = 'contrast,frost,gaussian_noise,glass_blur';

const evalArgs = (data: string, out: string, extra: Partial<EvalArgs> = {}): EvalArgs => ({
  model: 'lkr_demo_convnext', weights, benchmark: 'imagenet-c', data, batch: 4, json: true, difficulty: 1, out, ...extra,
});

const records = (run: string) =>
  readFileSync(path.join(run, 'journal.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .flatMap((l) => (JSON.parse(l) as { records: { u: number; t: number[] }[] }).records)
    .sort((a, b) => a.u - b.u);

t.test('the generated set scores exactly as the written folder', async (t) => {
  const folder = path.join(work, 'imagenet-c');
  await corruptMain({ data: src, out: folder, corruptions: CORRUPTIONS, severities: '1..5', seed: 4, size: 224, format: 'jpeg', batch: 8, json: true }, quiet);
  const onDisk = await evalMain(evalArgs(folder, path.join(work, 'run-folder')), quiet);
  const before = readdirSync(src, { recursive: true }).length;
  const generated = await evalMain(evalArgs(src, path.join(work, 'run-generated'), { generate: true, seed: 4, corruptions: CORRUPTIONS }), quiet);
  t.equal(readdirSync(src, { recursive: true }).length, before, 'nothing written into the val folder');
  t.equal(generated.results.images, 6 * 4 * 5, 'every image, corruption and severity');
  t.same(generated.results.rows, onDisk.results.rows, 'same errors per corruption and severity');
  t.same(records(path.join(work, 'run-generated')), records(path.join(work, 'run-folder')), 'same top-5 for every image');
  t.equal(generated.results.config.generate.seed, 4);
  t.match(generated.results.config.generate.frost, /^procedural/);
});

t.test('--generate is refused where it does not apply', async (t) => {
  await t.rejects(evalMain(evalArgs(src, path.join(work, 'x'), { benchmark: 'imagenet-val', generate: true }), quiet), /--generate makes ImageNet-C/);
  await t.rejects(evalMain(evalArgs(src, path.join(work, 'y'), { seed: 3 }), quiet), /apply with --generate/);
});
