// --device cuda on the Node side: without a GPU (CI, this machine) it is refused at once, naming the device and
// why; with one, a model's logits and input gradient on cuda:0 match the CPU's.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import t from 'tap';

import { randomParams } from '../../src/bench/model.js';
import { DEMO_MODEL } from '../../src/models/registry.js';
import { Model } from '../../src/models/model.js';
import { engineInfo, type Tensor } from '../../src/native.js';
import { mulberry32 } from '../../src/util/rng.js';
import { CLI } from '../eval/fixtures.js';

const run = promisify(execFile);
const info = engineInfo();
const gpus = info.cuda.devices.length;
const why = info.cuda.compiled ? /no CUDA device is visible/ : /no CUDA backend/;

t.test('without a GPU, a model on cuda is refused by name', { skip: gpus ? 'a CUDA device is present' : false }, async (t) => {
  t.throws(() => new Model(DEMO_MODEL.name, { device: 'cuda' }), { name: 'EngineError', message: /device cuda:0/ });
  t.throws(() => new Model(DEMO_MODEL.name, { device: 'cuda:1' }), { message: why });
  const m = new Model(DEMO_MODEL.name);
  t.throws(() => m.toDevice('cuda'), { message: why }, 'toDevice refuses too');
  t.doesNotThrow(() => m.toDevice('cpu'), 'cpu is always there');
});

t.test('a malformed device is refused with the accepted forms', async (t) => {
  t.throws(() => new Model(DEMO_MODEL.name, { device: 'gpu' }), { message: /expected "cpu", "cuda" or "cuda:N", received "gpu"/ });
});

t.test('the CLI says why --device cuda cannot run, before reading any weights', { skip: gpus ? 'a CUDA device is present' : false }, async (t) => {
  const err = await run('node', [CLI, 'predict', '--model', 'resnet50', '--weights', '/nonexistent.safetensors', '--device', 'cuda', 'x.jpg']).then(
    () => null,
    (e: { stderr: string; code: number }) => e,
  );
  t.ok(err, 'predict fails');
  t.not(err!.code, 0);
  t.match(err!.stderr, /device cuda:0/);
  t.match(err!.stderr, why);
  t.notMatch(err!.stderr, /nonexistent/, 'the device is checked before the weights are opened');
});

t.test('bench dwconv --device cuda says why it cannot run', { skip: gpus ? 'a CUDA device is present' : false }, async (t) => {
  const err = await run('node', [CLI, 'bench', 'dwconv', '--device', 'cuda', '--no-torch', '--reps', '1']).then(
    () => null,
    (e: { stderr: string; code: number }) => e,
  );
  t.ok(err, 'the bench fails');
  t.match(err!.stderr, info.cuda.compiled ? /device cuda:0: this build has CUDA, but no CUDA device is visible/ : /no CUDA backend/);
});

function relL2(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += a[i] ** 2;
  }
  return Math.sqrt(num / den);
}

t.test('on a GPU, logits and input gradient match the CPU', { skip: gpus ? false : 'no CUDA device visible (on a GPU machine: bash scripts/gpu-check.sh, docs/CUDA.md)' }, async (t) => {
  const cpu = new Model(DEMO_MODEL.name);
  const params = randomParams(cpu, 3);
  cpu.setParams(params);
  const gpu = new Model(DEMO_MODEL.name, { device: 'cuda' });
  gpu.setParams(params);
  const rng = mulberry32(5);
  const x: Tensor = { shape: [2, 64, 64, 3], data: Float32Array.from({ length: 2 * 64 * 64 * 3 }, rng) };
  const a = await cpu.inputGradient(x, { labels: [1, 7] });
  const b = await gpu.inputGradient(x, { labels: [1, 7] });
  t.ok(relL2(a.logits.data, b.logits.data) <= 1e-4, 'logits rel L2 <= 1e-4');
  t.ok(relL2(a.grad.data, b.grad.data) <= 1e-4, 'input gradient rel L2 <= 1e-4');
});
