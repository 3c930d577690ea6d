// `lkrobust preprocess`: the .npy holds exactly the pipeline's float input, rows in the order given.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import sharp from 'sharp';
import t from 'tap';

import { readNpy } from '../../src/data/npy.js';
import { loadImages } from '../../src/data/preprocess.js';
import { findModel } from '../../src/models/registry.js';
import { runPreprocess } from '../../src/cli/commands/preprocess.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'lkr-preprocess-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(path.join(dir, 'imgs', 'b'), { recursive: true });
const files: string[] = [];
for (const [i, [w, h]] of [[300, 200], [120, 333], [500, 375]].entries()) {
  const px = Buffer.alloc(w * h * 3);
  for (let k = 0; k < px.length; k++) px[k] = (k * (i + 3)) % 251;
  const f = path.join(dir, 'imgs', i === 2 ? 'b' : '', `${i}.${i === 1 ? 'png' : 'jpg'}`);
  await sharp(px, { raw: { width: w, height: h, channels: 3 } }).toFile(f);
  files.push(f);
}

t.test('files: float32 (N, S, S, 3) equal to the loader, in the order given', async (t) => {
  const out = path.join(dir, 'x.npy');
  const order = [files[2], files[0]];
  const r = await runPreprocess({ model: 'resnet50', out, images: order, exifRotate: false, colorManage: false, batch: 1, json: false });
  t.same(r.shape, [2, 224, 224, 3]);
  const a = readNpy(out);
  t.same(a.shape, [2, 224, 224, 3]);
  t.ok(a.data instanceof Float32Array);
  const want = await loadImages(order, findModel('resnet50').preprocess);
  t.ok(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(Buffer.from(want.data.buffer)), 'same bytes');
  t.notOk(existsSync(out + '.partial'));
  t.match(r.settings, { decoder: 'pillow-exact', crop_mode: 'center', exif_rotate: false, cropPct: 0.875 });
});

t.test('--data DIR --limit N: ImageNet-style folder order', async (t) => {
  const out = path.join(dir, 'y.npy');
  const r = await runPreprocess({ model: 'convnext_tiny', out, data: path.join(dir, 'imgs'), limit: 2, exifRotate: false, colorManage: false, batch: 64, json: false });
  t.equal(r.images, 2);
  const want = await loadImages([files[0], files[1]], findModel('convnext_tiny').preprocess);
  const a = readNpy(out);
  t.ok(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(Buffer.from(want.data.buffer)));
});

t.test('bad input: named errors, no output left behind', async (t) => {
  const out = path.join(dir, 'z.npy');
  const broken = path.join(dir, 'broken.jpg');
  writeFileSync(broken, 'not a jpeg');
  await t.rejects(runPreprocess({ model: 'resnet50', out, images: [files[0], broken], exifRotate: false, colorManage: false, batch: 8, json: false }), {
    code: 'LKR_IMAGE',
    message: /broken\.jpg/,
  });
  t.notOk(existsSync(out));
  t.notOk(existsSync(out + '.partial'));
  await t.rejects(runPreprocess({ model: 'resnet50', out, images: [], exifRotate: false, colorManage: false, batch: 8, json: false }), { code: 'LKR_ARG' });
  await t.rejects(runPreprocess({ model: 'resnet50', out, images: files, data: dir, exifRotate: false, colorManage: false, batch: 8, json: false }), { code: 'LKR_ARG', message: /not both/ });
  await t.rejects(runPreprocess({ model: 'resnet50', out, data: dir, limit: 0, exifRotate: false, colorManage: false, batch: 8, json: false }), { code: 'LKR_ARG' });
});
