// The Ctrl-C handler shared by eval, attack, analyze and corrupt: the first SIGINT asks the run to stop after its
// current batch and says how to resume; releasing it leaves no listener behind.
import t from 'tap';

import { gracefulStop } from '../../src/cli/graceful_stop.js';

t.test('first Ctrl-C requests a stop and says how to resume; release removes the handler', async (t) => {
  const before = process.listenerCount('SIGINT');
  const lines: string[] = [];
  const stop = gracefulStop((l) => lines.push(l), 'sequences');
  t.equal(process.listenerCount('SIGINT'), before + 1, 'a SIGINT handler while the run lasts');
  t.equal(stop.requested(), false);
  process.emit('SIGINT');
  t.equal(stop.requested(), true, 'the run is asked to stop');
  t.match(lines[0], /stopping after the current sequences .*Ctrl-C again to quit at once.*rerun the same command to resume/);
  stop.release();
  t.equal(process.listenerCount('SIGINT'), before, 'released');
});
