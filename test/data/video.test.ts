// ImageNet-P as released (.mp4): videos made here with ffmpeg from known frames give the same results.json as
// the decoded-frame layout of the same videos; a truncated video is skipped, counted and named.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import sharp from 'sharp';
import t from 'tap';

import { randomParams } from '../../src/bench/model.js';
import { evalMain } from '../../src/cli/commands/eval.js';
import { imagenetP } from '../../src/data/layouts.js';
import { decodeVideo, ffmpegTools, requireFfmpeg, VideoDecodeError } from '../../src/data/video.js';
import { writeSafetensors } from '../../src/models/checkpoint/index.js';
import { Model } from '../../src/models/model.js';

const run = promisify(execFile);
const SKIP = ffmpegTools() ? false : 'ffmpeg/ffprobe absent: apt-get install ffmpeg (scripts/install-system-deps.sh)';

const root = mkdtempSync(path.join(os.tmpdir(), 'lkr-video-'));
t.teardown(() => rmSync(root, { recursive: true, force: true }));

const S = 224;
/** Frame k of a sequence: a smooth seeded pattern that drifts with k (so a random model's top-5 moves). */
function frame(seed: number, k: number): Buffer {
  const b = Buffer.alloc(S * S * 3);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      for (let c = 0; c < 3; c++) {
        const v = 128 + 60 * Math.sin((x + 3 * k + 17 * seed) / (9 + c * 4)) + 50 * Math.cos((y - 2 * k + 5 * seed * c) / (7 + c));
        b[(y * S + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return b;
}

const wnids = ['n01440764', 'n01443537'];
const perturbations = ['gaussian_noise', 'brightness'];

/** Writes the PNG frames of each sequence, encodes each to .mp4 (as the release: H.264, 1 fps), decodes the .mp4 back to PNG frames. */
async function makeLayouts(): Promise<{ videos: string; frames: string }> {
  const src = path.join(root, 'src');
  const videos = path.join(root, 'videos');
  const frames = path.join(root, 'frames');
  let seed = 0;
  for (const p of perturbations) {
    for (const w of wnids) {
      for (const stem of ['ILSVRC2012_val_00000001', 'ILSVRC2012_val_00000002']) {
        seed++;
        const dir = path.join(src, p, w, stem);
        mkdirSync(dir, { recursive: true });
        for (let k = 0; k < 31; k++) {
          await sharp(frame(seed, k), { raw: { width: S, height: S, channels: 3 } }).png().toFile(path.join(dir, `${String(k + 1).padStart(2, '0')}.png`));
        }
        const mp4 = path.join(videos, p, w, `${stem}.mp4`);
        mkdirSync(path.dirname(mp4), { recursive: true });
        await run('ffmpeg', ['-nostdin', '-v', 'error', '-framerate', '1', '-i', path.join(dir, '%02d.png'), '-c:v', 'libx264', '-crf', '20', '-pix_fmt', 'yuv444p', mp4]);
        const out = path.join(frames, p, w, stem);
        mkdirSync(out, { recursive: true });
        await run('ffmpeg', ['-nostdin', '-v', 'error', '-i', mp4, path.join(out, '%02d.png')]);
      }
    }
  }
  return { videos, frames };
}

t.test('.mp4 layout = decoded-frame layout; a truncated video is skipped and named', { skip: SKIP }, async (t) => {
  const { videos, frames } = await makeLayouts();
  const one = path.join(videos, 'brightness', wnids[1], 'ILSVRC2012_val_00000002.mp4');

  // The frames ffmpeg decodes to rgb24 are the ones it writes as PNG: same pixels, 31 of them.
  const v = await decodeVideo(one, 31);
  t.same([v.width, v.height, v.frames.length], [S, S, 31]);
  const png = await sharp(path.join(frames, 'brightness', wnids[1], 'ILSVRC2012_val_00000002', '07.png')).raw().toBuffer();
  t.ok(png.equals(v.frames[6]), 'frame 7: rgb24 pipe = decoded PNG');
  await t.rejects(decodeVideo(one, 41), { code: 'LKR_VIDEO', message: /has 31 frames, expected 41/ });

  const ds = imagenetP(videos);
  t.same([ds.items.length, ds.items.every((i) => i.format === 'video')], [8, true]);

  const weights = path.join(root, 'demo.safetensors');
  const m = new Model('lkr_demo_convnext');
  writeSafetensors(weights, new Map(Object.entries(randomParams(m, 3))));
  const args = (data: string, out: string) => ({
    model: 'lkr_demo_convnext', weights, benchmark: 'imagenet-p' as const, data, batch: 8, json: true, difficulty: 1, out: path.join(root, 'runs', out),
  });
  const quiet = () => {};
  const a = (await evalMain(args(videos, 'videos'), quiet)).results;
  const b = (await evalMain(args(frames, 'frames'), quiet)).results;
  t.ok(a.complete && b.complete);
  t.same(a.rows, b.rows, 'rows: FP and uT5D per perturbation identical');
  t.same(a.summary, b.summary, 'summary identical');
  t.same(a.data.format, { video: 8, frames: 0 });
  t.same(b.data.format, { video: 0, frames: 8 });
  t.equal(a.summary.skipped_videos.count, 0);
  t.same(a.rows.map((r: { perturbation: string; n: number }) => [r.perturbation, r.n]), [['brightness', 4], ['gaussian_noise', 4]]);
  const onDisk = JSON.parse(readFileSync(path.join(root, 'runs', 'videos', 'results.json'), 'utf8'));
  t.same(onDisk.rows, a.rows);

  // Truncate one video: it is skipped (every frame fails with the same error), counted and named; the rest scores.
  const broken = path.join(root, 'broken');
  await run('cp', ['-r', videos, broken]);
  const victim = path.join(broken, 'brightness', wnids[1], 'ILSVRC2012_val_00000002.mp4');
  truncateSync(victim, Math.floor(statSync(victim).size / 2));
  await t.rejects(decodeVideo(victim, 31), VideoDecodeError);
  const c = (await evalMain(args(broken, 'broken'), quiet)).results;
  t.equal(c.summary.skipped_videos.count, 1);
  t.equal(c.summary.skipped_videos.videos[0].path, victim);
  t.match(c.summary.skipped_videos.videos[0].error, /cannot decode video/);
  t.equal(c.failed_images.length, 31, 'its 31 frames are listed as failed');
  t.same(c.rows.map((r: { perturbation: string; n: number }) => [r.perturbation, r.n]), [['brightness', 3], ['gaussian_noise', 4]]);
  t.same(c.rows[1], a.rows[1], 'the untouched perturbation scores as before');

  // The same truncated file read alone is a named error, not a stack trace.
  const lone = path.join(root, 'lone.mp4');
  copyFileSync(victim, lone);
  await t.rejects(decodeVideo(lone), { code: 'LKR_VIDEO' });
});

t.test('without ffmpeg the .mp4 layout is a named error naming the package', async (t) => {
  const saved = process.env.LKR_FFMPEG;
  process.env.LKR_FFMPEG = '/nonexistent/ffmpeg';
  t.equal(ffmpegTools(), null);
  t.throws(() => requireFfmpeg('x.mp4'), { code: 'LKR_FFMPEG', message: /apt-get install ffmpeg/ });
  if (saved === undefined) delete process.env.LKR_FFMPEG;
  else process.env.LKR_FFMPEG = saved;
});
