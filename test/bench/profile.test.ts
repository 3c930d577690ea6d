// The engine's op profiler: multiply-accumulates per op kind of a real forward pass against PyTorch's flop counter
// on the same graph (every tap counted, as PyTorch counts), valid-tap counts below them where convolutions pad,
// and the profiler's on/off behaviour as the benches use it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import t from 'tap';

import { profiled, totalMacs } from '../../src/bench/profile.js';
import { randomParams } from '../../src/bench/model.js';
import { Model } from '../../src/models/model.js';
import type { ConfigValue } from '../../src/models/registry.js';
import type { Tensor } from '../../src/native.js';
import { mulberry32 } from '../../src/util/rng.js';
import { CLI } from '../eval/fixtures.js';
import { ORACLE_SKIP, oraclePython, runOracle } from '../helpers/oracle.js';

const run = promisify(execFile);

const script = new URL('../oracle/flop_count.py', import.meta.url).pathname;

// Small graphs of four families (the fifth, BiT, differs from ResNet only in its normalisations).
const CASES = [
  { name: 'resnet50', config: {}, size: 64 },
  { name: 'convnext_tiny', config: { depths: [1, 1, 2, 1], dims: [24, 48, 96, 192], num_classes: 10 }, size: 64 },
  { name: 'vit_small_patch16_224', config: { depth: 2, dim: 96, heads: 3, img_size: 32, patch: 4, num_classes: 10 }, size: 32 },
  { name: 'replknet_31b', config: { kernels: [13, 11, 7, 5], layers: [1, 1, 1, 1], channels: [16, 32, 64, 128], small_kernel: 5, num_classes: 10 }, size: 64 },
];
const BATCH = 2;

function input(size: number): Tensor {
  const rng = mulberry32(3);
  return { shape: [BATCH, size, size, 3], data: Float32Array.from({ length: BATCH * size * size * 3 }, rng) };
}

async function forwardProfile(name: string, config: Record<string, ConfigValue>, size: number) {
  const model = new Model(name, { config });
  model.setParams(randomParams(model));
  const { rows } = await profiled(() => model.forward(input(size)));
  return { model, rows };
}

t.test('dense MACs equal PyTorch flop counter / 2 on the same graph', { skip: oraclePython() ? false : ORACLE_SKIP }, async (t) => {
  const runs = [];
  for (const c of CASES) runs.push({ c, ...(await forwardProfile(c.name, c.config, c.size)) });
  const ref = await runOracle(
    script,
    runs.map(({ c, model }) => ({ name: c.name, family: model.entry.family, config: model.config, batch: BATCH, size: c.size })),
    {},
  );
  runs.forEach(({ c, rows }, i) => {
    const dense = (ops: string[]) => rows.filter((r) => ops.includes(r.op)).reduce((s, r) => s + r.dense_macs, 0);
    const [conv, addmm, mm, bmm] = Array.from(ref[String(i)].data);
    const theirs = conv + addmm + mm + bmm; // PyTorch's fused attention is not counted at all: ours left out too
    t.equal(dense(['conv2d', 'linear', 'matmul']), theirs, `${c.name}: ${theirs} MACs in convolutions, linear layers and products`);
    // per kind too where the graphs use the same kinds (RepLKNet's 1x1 convolutions run as linear layers here)
    if (c.name !== 'replknet_31b') t.equal(dense(['conv2d']), conv, `${c.name}: ${conv} of them in convolutions`);
    const valid = totalMacs(rows), all = rows.reduce((s, r) => s + r.dense_macs, 0);
    if (c.name.startsWith('vit')) t.equal(valid, all, `${c.name}: no padding, valid = dense`);
    else t.ok(valid < all && valid > 0.5 * all, `${c.name}: padding taps left out (${(valid / all).toFixed(3)} of dense)`);
  });
});

t.test('attention MACs: two T x T x D products per head forward', async (t) => {
  const c = CASES[2];
  const { rows } = await forwardProfile(c.name, c.config, c.size);
  const tokens = (32 / 4) ** 2 + 1, headDim = 96 / 3;
  const att = rows.find((r) => r.op === 'attention');
  t.ok(att, 'the attention op is counted');
  t.equal(att!.calls, 2, 'once per block');
  t.equal(att!.macs, 2 * 2 * BATCH * 3 * tokens * tokens * headDim, 'depth x 2 products x batch x heads x T² x D');
});

t.test('the profiler counts only inside profiled() and times every op kind it saw', async (t) => {
  const c = CASES[0];
  const { model, rows } = await forwardProfile(c.name, c.config, c.size);
  const conv = rows.find((r) => r.op === 'conv2d')!;
  t.equal(conv.calls, 53, 'ResNet-50 runs 53 convolutions (BN folded into them)');
  t.ok(rows.every((r) => r.ms > 0 && r.calls > 0), 'every row has calls and time');
  await model.forward(input(c.size)); // not counted
  const again = await profiled(() => model.forward(input(c.size)));
  t.equal(again.rows.find((r) => r.op === 'conv2d')!.calls, 53, 'a new profiled pass starts from zero');
  t.equal(totalMacs(again.rows), totalMacs(rows), 'the same count twice');
});

t.test('lkrobust bench model: MACs per image, fraction of the limit, and the --profile table', async (t) => {
  const args = [CLI, 'bench', 'model', '--model', 'resnet50', '--size', '32', '--batch', '2', '--reps', '1', '--warmup', '0', '--torch', 'false'];
  const json = JSON.parse((await run('node', [...args, '--json', '--profile'], { env: { ...process.env, LKR_NUM_THREADS: '2' } })).stdout);
  t.ok(json.peak_gflops > 0, `the FMA peak was measured (${json.peak_gflops.toFixed(0)} GFLOP/s)`);
  const row = json.rows[0];
  const fwd = totalMacs(row.profile.forward) / 2 / 1e9;
  t.equal(row.gmacs_forward, fwd, 'gmacs_forward = the profiled forward pass / batch');
  t.ok(row.gmacs_grad > 1.9 * fwd && row.gmacs_grad < 2.1 * fwd, 'the input gradient does about twice the forward products');
  t.equal(row.limit_forward, (row.forward_ips * 2 * row.gmacs_forward) / json.peak_gflops, 'limit = img/s x 2 MACs / peak');
  t.ok(row.limit_forward > 0 && row.limit_forward < 1, 'a fraction');
  t.equal(row.torch_limit_forward, null, 'no anchor asked for: no PyTorch fraction');
  const text = (await run('node', [...args, '--profile'], { env: { ...process.env, LKR_NUM_THREADS: '2' } })).stdout;
  t.match(text, /measured FMA peak: [\d.]+ GFLOP\/s/);
  t.match(text, /gmacs_forward/);
  t.match(text, /where the time goes/);
  t.match(text, /forward\s+conv2d\s+53\s/, 'the forward row of the convolutions, with its 53 calls');
  t.match(text, /grad\s+conv2d_backward_input\s+53\s/, 'and the backward-input row');
});
