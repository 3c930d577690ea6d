import t from 'tap';

import { formatError } from '../../src/cli/report_error.js';
import { CheckpointError } from '../../src/models/checkpoint/index.js';

t.test('a refused input prints its message and code, never a stack', async (t) => {
  const out = formatError(new CheckpointError('LKR_CKPT_VIEW', 'w.pth: tensor "w": negative stride'), true);
  t.equal(out, 'lkrobust: w.pth: tensor "w": negative stride [LKR_CKPT_VIEW]\n');
});

t.test('argument errors print their message only', async (t) => {
  t.equal(formatError(new RangeError('--top: expected a positive integer'), false), 'lkrobust: --top: expected a positive integer\n');
});

t.test('an internal error is short, asks for a report, and shows the stack only with --debug', async (t) => {
  const overflow = new RangeError('Maximum call stack size exceeded');
  const plain = formatError(overflow, false);
  t.match(plain, /^lkrobust: internal error: Maximum call stack size exceeded\n.*please report/);
  t.notMatch(plain, /\n\s+at /);
  t.match(formatError(overflow, true), /\n\s+at /);
  const nodeError = Object.assign(new RangeError('The value of "offset" is out of range.'), { code: 'ERR_OUT_OF_RANGE' });
  t.match(formatError(nodeError, false), /internal error: .*please report/s);
  t.match(formatError(new Error('boom'), false), /internal error: boom/);
});
