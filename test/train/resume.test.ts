// Done-when 2 of issue 16: `lkrobust train` killed with SIGKILL in the middle of an epoch and rerun gives
// byte-identical final weights to an uninterrupted run (same seed, same thread count); the run folder holds a
// checkpoint per epoch, the JSON log, and a rerun of a finished run with other options is refused by name.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import sharp from 'sharp';
import t from 'tap';

import { mulberry32 } from '../../src/util/rng.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');

async function makeFolder(dir: string): Promise<void> {
  const r = mulberry32(42);
  for (const [split, n] of [['train', 14], ['val', 4]] as const) {
    for (let c = 0; c < 3; c++) {
      mkdirSync(path.join(dir, split, `class${c}`), { recursive: true });
      for (let i = 0; i < n; i++) {
        const px = Buffer.alloc(32 * 32 * 3);
        for (let p = 0; p < 32 * 32; p++) {
          const stripe = ((p % 32) >> (c + 1)) & 1; // class-dependent stripes plus noise
          for (let ch = 0; ch < 3; ch++) px[3 * p + ch] = Math.min(255, stripe * 180 + Math.floor(r() * 60));
        }
        await sharp(px, { raw: { width: 32, height: 32, channels: 3 } }).png().toFile(path.join(dir, split, `class${c}`, `${i}.png`));
      }
    }
  }
}

const args = (data: string, out: string, epochs = 4) => [
  cli, 'train', '--model', 'convnext_tiny', '--config', JSON.stringify({ depths: [1, 1, 1, 1], dims: [8, 16, 16, 24] }),
  '--data', data, '--out', out, '--epochs', String(epochs), '--batch', '4', '--size', '32', '--seed', '7', '--lr', '0.003', '--drop-path', '0.1',
];
const env = { ...process.env, LKR_NUM_THREADS: '2', OMP_NUM_THREADS: '2' };

t.test('SIGKILL mid-epoch, rerun: byte-identical final weights', async (t) => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'lkr-train-resume-'));
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
  const data = path.join(tmp, 'data');
  await makeFolder(data);
  const a = path.join(tmp, 'a');
  const b = path.join(tmp, 'b');
  const full = spawnSync(process.execPath, args(data, a), { env, encoding: 'utf8' });
  t.equal(full.status, 0, full.stderr);
  t.ok(existsSync(path.join(a, 'model.safetensors')), 'final weights written');
  const log = JSON.parse(readFileSync(path.join(a, 'train_log.json'), 'utf8'));
  t.equal(log.epochs.length, 4, 'one log entry per epoch');
  t.ok(log.finished, 'log says finished');
  t.ok(existsSync(path.join(a, 'checkpoints', 'epoch-004.safetensors')), 'a checkpoint per epoch (the last kept)');

  // Kill during epoch 2: as soon as epoch 1's checkpoint is committed.
  const child = spawn(process.execPath, args(data, b), { env, stdio: 'ignore' });
  const state = path.join(b, 'checkpoints', 'state.json');
  const killedAt = await new Promise<number>((resolve) => {
    const poll = setInterval(() => {
      if (existsSync(state)) {
        const e = JSON.parse(readFileSync(state, 'utf8')).epoch as number;
        child.kill('SIGKILL');
        clearInterval(poll);
        resolve(e);
      }
    }, 5);
  });
  const signal = await new Promise<string | null>((resolve) => child.on('exit', (_c, s) => resolve(s)));
  t.equal(signal, 'SIGKILL', 'killed');
  t.ok(killedAt < 4, `killed before the end (after epoch ${killedAt})`);
  t.notOk(existsSync(path.join(b, 'model.safetensors')), 'no final weights yet');
  const rerun = spawnSync(process.execPath, args(data, b), { env, encoding: 'utf8' });
  t.equal(rerun.status, 0, rerun.stderr);
  t.match(rerun.stderr, /resuming after epoch \d/);
  t.ok(readFileSync(path.join(a, 'model.safetensors')).equals(readFileSync(path.join(b, 'model.safetensors'))), 'final weights byte-identical');

  const other = spawnSync(process.execPath, [...args(data, b), '--label-smoothing', '0.2'], { env, encoding: 'utf8' });
  t.not(other.status, 0, 'other options into the same folder are refused');
  t.match(other.stderr, /LKR_TRAIN_MISMATCH|other options/);
});
