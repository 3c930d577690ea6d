// A lock file beside a download (`<file>.lock`, created exclusively), so two processes fetching the same
// checkpoint do not write one .part file at once: the second waits, then finds the finished file. A lock whose
// owner is gone (same host, dead pid) or that has not been touched for `staleMs` is taken over.
import { closeSync, openSync, readFileSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs';
import os from 'node:os';

import { WeightsError } from './errors.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ownerAlive(lock: string): boolean {
  try {
    const [host, pid] = readFileSync(lock, 'utf8').trim().split(' ');
    if (host !== os.hostname()) return true; // another machine on a shared disk: trust the age check only
    process.kill(Number(pid), 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface Lock {
  /** Marks the lock as alive (call while making progress). */
  touch(): void;
  release(): void;
}

export async function acquireLock(lock: string, opts: { waitMs?: number; staleMs?: number; onWait?: () => void } = {}): Promise<Lock> {
  const waitMs = opts.waitMs ?? 30 * 60_000;
  const staleMs = opts.staleMs ?? 5 * 60_000;
  const start = Date.now();
  let told = false;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, `${os.hostname()} ${process.pid}\n`);
      closeSync(fd);
      let released = false;
      return {
        touch: () => {
          const now = new Date();
          if (!released) utimesSync(lock, now, now);
        },
        release: () => {
          if (!released) rmSync(lock, { force: true });
          released = true;
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let age = 0;
    try {
      age = Date.now() - statSync(lock).mtimeMs;
    } catch {
      continue; // released between our two calls
    }
    if (!ownerAlive(lock) || age > staleMs) {
      rmSync(lock, { force: true });
      continue;
    }
    if (Date.now() - start > waitMs) throw new WeightsError('LKR_WEIGHTS_LOCK', `${lock}: another lkrobust has been downloading this file for over ${Math.round(waitMs / 1000)} s; if none is running, delete the lock file`);
    if (!told) opts.onWait?.();
    told = true;
    await sleep(100);
  }
}
