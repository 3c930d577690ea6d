import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import t from 'tap';

import {
  CheckpointError,
  checkStateDict,
  encodeSafetensors,
  loadCheckpoint,
  loadCheckpointBuffer,
  parseSafetensors,
} from '../../src/models/checkpoint/index.js';
import { ORACLE_SKIP, oraclePython, runOracleIn } from '../helpers/oracle.js';
import { relL2 } from '../helpers/tensor.js';

const script = new URL('../oracle/make_checkpoints.py', import.meta.url).pathname;

function expectCode(t: Tap.Test, fn: () => unknown, code: string, pattern: RegExp) {
  try {
    fn();
    t.fail(`expected ${code}`);
  } catch (e) {
    t.ok(e instanceof CheckpointError, `a CheckpointError (${(e as Error).message})`);
    t.equal((e as CheckpointError).code, code);
    t.match((e as Error).message, pattern);
  }
}

t.test('safetensors: round trip, and every malformation named', async (t) => {
  const sd = new Map([
    ['b.weight', { shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) }],
    ['a', { shape: [3], data: Float32Array.from([5, 6, 7]) }],
  ]);
  const buf = encodeSafetensors(sd, { format: 'pt' });
  t.equal(Number(buf.readBigUInt64LE(0)) % 8, 0, 'header padded to 8');
  const back = parseSafetensors(buf).tensors;
  t.same([...back.keys()].sort(), ['a', 'b.weight']);
  t.same(Array.from(back.get('b.weight')!.data!), [1, 2, 3, 4]);
  expectCode(t, () => parseSafetensors(buf.subarray(0, buf.length - 4), 'cut.safetensors'), 'LKR_CKPT_TRUNCATED', /cut\.safetensors: truncated inside tensor/);
  expectCode(t, () => parseSafetensors(Buffer.concat([buf, Buffer.alloc(4)]), 'long.safetensors'), 'LKR_CKPT_FORMAT', /long\.safetensors.*accounts for/);
  expectCode(t, () => parseSafetensors(buf.subarray(0, 20), 'head.safetensors'), 'LKR_CKPT_TRUNCATED', /head\.safetensors/);
  const weird = Buffer.from(buf);
  const json = weird.toString('utf8', 8, 8 + Number(weird.readBigUInt64LE(0))).replace('"F32"', '"C64"');
  weird.write(json, 8, 'utf8');
  expectCode(t, () => parseSafetensors(weird, 'c64.safetensors'), 'LKR_CKPT_DTYPE', /dtype C64/);
});

t.test('checkStateDict names missing, unexpected, mis-shaped and non-float keys', async (t) => {
  const sd = new Map([
    ['conv.weight', { shape: [4, 3, 3, 3], dtype: 'F32' as const, data: new Float32Array(108) }],
    ['bn.num_batches_tracked', { shape: [], dtype: 'I64' as const, data: null }],
    ['fc.weight', { shape: [10, 4], dtype: 'I32' as const, data: null }],
    ['extra', { shape: [1], dtype: 'F32' as const, data: new Float32Array(1) }],
  ]);
  const ok = checkStateDict(sd, [{ name: 'conv.weight', shape: [4, 3, 3, 3] }], 'm.pth', { strict: false });
  t.same(ok.unexpected, ['fc.weight', 'extra'], 'num_batches_tracked is ignored');
  expectCode(
    t,
    () => checkStateDict(sd, [{ name: 'conv.weight', shape: [4, 3, 5, 5] }, { name: 'head.bias', shape: [10] }], 'm.pth'),
    'LKR_CKPT_KEYS',
    /missing keys: head\.bias.*unexpected keys: fc\.weight, extra.*mis-shaped: conv\.weight expected \[4,3,5,5\] found \[4,3,3,3\]/,
  );
  expectCode(t, () => checkStateDict(sd, [{ name: 'fc.weight', shape: [10, 4] }], 'm.pth', { strict: false }), 'LKR_CKPT_KEYS', /not floating-point: fc\.weight \(I32\)/);
});

t.test('files that are not checkpoints are refused by name', async (t) => {
  expectCode(t, () => loadCheckpointBuffer(Buffer.from('just some text, not weights'), 'notes.txt'), 'LKR_CKPT_FORMAT', /notes\.txt: not a \.safetensors file or a PyTorch checkpoint/);
  const legacy = Buffer.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20]);
  expectCode(t, () => loadCheckpointBuffer(legacy, 'old.pth'), 'LKR_CKPT_TRUNCATED', /old\.pth: truncated/);
  expectCode(t, () => loadCheckpoint('/nonexistent/w.pth'), 'LKR_CKPT_FORMAT', /cannot read/);
});

t.test('PyTorch checkpoints written by torch.save', { skip: oraclePython() ? false : ORACLE_SKIP }, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lkr-ckpt-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const want = await runOracleIn(dir, script, {});

  t.test('dtypes, strided views and offsets load as float32', async (t) => {
    const ck = loadCheckpoint(path.join(dir, 'plain.pth'));
    t.equal(ck.format, 'pytorch-zip');
    for (const k of ['a', 'half', 'bf', 'dbl', 'transposed', 'row']) {
      const got = ck.tensors.get(k)!;
      t.same(got.shape, want[k].shape, `${k} shape`);
      t.ok(relL2(got.data!, want[k].data) < 1e-7, `${k} values (${relL2(got.data!, want[k].data)})`);
    }
    t.equal(ck.tensors.get('half')!.dtype, 'F16');
    t.equal(ck.tensors.get('steps')!.data, null, 'integer tensors are kept as records only');
  });

  t.test('the legacy format (before PyTorch 1.6): the same tensors, nested dicts, and nothing executed', async (t) => {
    const ck = loadCheckpoint(path.join(dir, 'plain_legacy.pth'));
    t.equal(ck.format, 'pytorch-legacy');
    for (const k of ['a', 'half', 'bf', 'dbl', 'transposed', 'row']) {
      const got = ck.tensors.get(k)!;
      t.same(got.shape, want[k].shape, `${k} shape`);
      t.ok(relL2(got.data!, want[k].data) < 1e-7, `${k} values (${relL2(got.data!, want[k].data)})`);
    }
    t.equal(ck.tensors.get('steps')!.data, null, 'integer tensors are kept as records only');
    const nested = loadCheckpoint(path.join(dir, 'nested_legacy.pth'));
    t.equal(nested.entry, 'model');
    t.same([...nested.tensors.keys()], ['conv.weight', 'conv.bias']);
    expectCode(t, () => loadCheckpoint(path.join(dir, 'evil_legacy.pth')), 'LKR_CKPT_UNSAFE', /posix\.system|os\.system/);
    t.notOk(existsSync(path.join(dir, 'PWNED_SYSTEM')), 'os.system never ran');
    const full = readFileSync(path.join(dir, 'plain_legacy.pth'));
    for (const cut of [full.length - 10, Math.floor(full.length / 2), 100, 30]) {
      writeFileSync(path.join(dir, 'cut_legacy.pth'), full.subarray(0, cut));
      expectCode(t, () => loadCheckpoint(path.join(dir, 'cut_legacy.pth')), 'LKR_CKPT_TRUNCATED', /cut_legacy\.pth: truncated/);
    }
  });

  t.test('nested model dicts and module. prefixes', async (t) => {
    const ck = loadCheckpoint(path.join(dir, 'nested.pth'));
    t.equal(ck.entry, 'model');
    t.same([...ck.tensors.keys()], ['conv.weight', 'conv.bias']);
    const ema = loadCheckpoint(path.join(dir, 'ema.pth'), { entry: 'model_ema' });
    t.same([...ema.tensors.keys()], ['w']);
    t.ok(relL2(ema.tensors.get('w')!.data!, want.a.data.map((x) => 2 * x)) < 1e-7);
    expectCode(t, () => loadCheckpoint(path.join(dir, 'ema.pth'), { entry: 'opt' }), 'LKR_CKPT_KEYS', /no dict entry "opt".*model, model_ema/);
  });

  t.test('safetensors from the reference writer', async (t) => {
    const ck = loadCheckpoint(path.join(dir, 'st.safetensors'));
    t.equal(ck.format, 'safetensors');
    t.ok(relL2(ck.tensors.get('a')!.data!, want.a.data) < 1e-7);
    t.ok(relL2(ck.tensors.get('half')!.data!, want.half.data) < 1e-7);
    t.equal(ck.tensors.get('i')!.dtype, 'I32');
  });

  t.test('pickles that call os.system or builtins.eval are refused and run nothing', async (t) => {
    for (const [file, fn] of [
      ['evil_system.pth', /posix\.system|os\.system/],
      ['evil_eval.pth', /(builtins|__builtin__)\.eval/], // protocol 2 writes Python 2's module name
    ] as const) {
      expectCode(t, () => loadCheckpoint(path.join(dir, file)), 'LKR_CKPT_UNSAFE', fn);
    }
    t.notOk(existsSync(path.join(dir, 'PWNED_SYSTEM')), 'os.system never ran');
    t.notOk(existsSync(path.join(dir, 'PWNED_EVAL')), 'eval never ran');
  });

  t.test('a truncated checkpoint is named', async (t) => {
    const full = readFileSync(path.join(dir, 'plain.pth'));
    for (const cut of [full.length - 10, Math.floor(full.length / 2), 100]) {
      writeFileSync(path.join(dir, 'cut.pth'), full.subarray(0, cut));
      expectCode(t, () => loadCheckpoint(path.join(dir, 'cut.pth')), 'LKR_CKPT_TRUNCATED', /cut\.pth: truncated/);
    }
  });
});
