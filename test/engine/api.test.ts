import t from 'tap';

import { EngineError, listOps, runOp, runOpSync, tensor } from '../../src/native.js';

t.test('every op is listed and implemented on the CPU', async (t) => {
  const ops = listOps();
  t.equal(ops.length, 49);
  t.same(ops.filter((o) => !o.cpu).map((o) => o.name), [], 'no op missing on cpu');
});

t.test('arguments are validated with expected vs received', async (t) => {
  t.throws(() => runOpSync('nope', []), { name: 'EngineError', code: 'LKR_ARG', message: /unknown op "nope"/ });
  t.throws(() => runOpSync('relu', [tensor([2, 2]), tensor([1])]), { code: 'LKR_ARG', message: /expected 1 input tensor\(s\), received 2/ });
  t.throws(() => runOpSync('relu', [{ shape: [2, 3], data: new Float32Array(5) }]), { message: /shape \(2, 3\) holds 6 values, but data has 5/ });
  t.throws(() => runOpSync('relu', [{ shape: [2], data: new Float64Array(2) as unknown as Float32Array }]), { message: /expected a Float32Array/ });
  t.throws(() => runOpSync('conv2d', [tensor([1, 5, 5, 3]), tensor([4, 2, 3, 3]), null]), { message: /expected w\.shape\[1\] = Cin\/groups = 3/ });
  t.throws(() => runOpSync('conv2d', [tensor([1, 5, 5, 3]), tensor([4, 3, 3, 3]), null], { stride_h: 1.5 }), { message: /attribute `stride_h` expected an integer, received the number 1\.5/ });
  t.throws(() => runOpSync('gelu', [tensor([2])], { approx: 'fast' }), { message: /expected "none" or "tanh", received "fast"/ });
  const err = (() => {
    try {
      runOpSync('relu', [null]);
    } catch (e) {
      return e as EngineError;
    }
  })();
  t.ok(err instanceof EngineError);
  t.match(err!.stack ?? '', /api\.test\.ts/, 'the stack points at the caller, not the addon');
});

t.test('async ops resolve off the main thread and reject with the same errors', async (t) => {
  const [y] = await runOp('relu', [tensor([4], [-1, 2, -3, 4])]);
  t.same(Array.from(y!.data), [0, 2, 0, 4]);
  await t.rejects(runOp('relu', [tensor([2]), tensor([2])]), { code: 'LKR_ARG' });
  // Many calls in flight at once.
  const outs = await Promise.all(Array.from({ length: 16 }, (_, i) => runOp('scale', [tensor([3], [1, 2, 3])], { s: i })));
  t.same(outs.map((o) => o[0]!.data[2]), Array.from({ length: 16 }, (_, i) => 3 * i));
});

t.test('zero-copy: outputs are Float32Arrays over engine memory that outlive the call', async (t) => {
  const x = tensor([1000], Float32Array.from({ length: 1000 }, (_, i) => i - 500));
  const [y] = runOpSync('relu', [x]);
  x.data.fill(7); // the output does not alias the input
  t.equal(y!.data[0], 0);
  t.equal(y!.data[999], 499);
});
