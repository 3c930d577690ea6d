// The pixel pipeline's own facts, without the oracle: torchvision's crop offsets (round half to even),
// convert('RGB') dropping alpha without compositing (issue 22 defect 7), named errors, other formats
// through sharp, and the EXIF opt-in.
import t from 'tap';
import sharp from 'sharp';

import { decodeImageRgb, ImageDecodeError, loadImages, preprocessInto, type PixelPreprocess } from '../../src/data/preprocess.js';

const W = 259;
const H = 256;
const rgb = Buffer.alloc(W * H * 3);
for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) rgb.set([(x * 7 + y) % 256, (y * 5) % 256, (x ^ y) % 256], (y * W + x) * 3);

const png = (data: Buffer, w: number, h: number, channels: 3 | 4) => sharp(data, { raw: { width: w, height: h, channels } }).png().toBuffer();
const pre224: PixelPreprocess = { inputSize: 224, cropPct: 0.875, interpolation: 'bicubic' };

function crop(src: Buffer, w: number, left: number, top: number, s: number): Buffer {
  const out = Buffer.alloc(s * s * 3);
  for (let y = 0; y < s; y++) src.copy(out, y * s * 3, ((top + y) * w + left) * 3, ((top + y) * w + left + s) * 3);
  return out;
}

t.test('centre-crop offsets round half to even, as Python round (no resize when the short side is already 256)', async (t) => {
  for (const w of [257, 258, 259]) {
    const sub = Buffer.alloc(w * H * 3);
    for (let y = 0; y < H; y++) rgb.copy(sub, y * w * 3, y * W * 3, y * W * 3 + w * 3);
    const got = await decodeImageRgb(await png(sub, w, H, 3), pre224);
    // (w - 224) / 2 = 16.5 -> 16, 17 -> 17, 17.5 -> 18; top (256 - 224) / 2 = 16
    const left = { 257: 16, 258: 17, 259: 18 }[w]!;
    t.ok(got.equals(crop(sub, w, left, 16, 224)), `${w}x${H}: left ${left}`);
  }
});

t.test('issue 22 defect 7: RGBA fully transparent pixels keep their RGB (alpha dropped, never premultiplied)', async (t) => {
  const rgba = Buffer.alloc(W * H * 4);
  for (let i = 0; i < W * H; i++) {
    rgb.copy(rgba, i * 4, i * 3, i * 3 + 3);
    rgba[i * 4 + 3] = i % 3 === 0 ? 0 : i % 3 === 1 ? 255 : 37; // fully transparent, opaque, partly
  }
  const fromRgba = await decodeImageRgb(await png(rgba, W, H, 4), pre224);
  const fromRgb = await decodeImageRgb(await png(rgb, W, H, 3), pre224);
  t.ok(fromRgba.equals(fromRgb), 'the same bytes as the RGB image');
  // and resized (the old premultiplied resize darkened every neighbour of a transparent pixel)
  const small: PixelPreprocess = { inputSize: 96, cropPct: 0.875, interpolation: 'bilinear' };
  t.ok((await decodeImageRgb(await png(rgba, W, H, 4), small)).equals(await decodeImageRgb(await png(rgb, W, H, 3), small)), 'resized too');
});

t.test('formats other than JPEG/PNG decode through sharp, then the same resampling', async (t) => {
  const lossless = await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).webp({ lossless: true }).toBuffer();
  const out = new Uint8Array(224 * 224 * 3);
  const [r] = await preprocessInto([lossless], pre224, out);
  t.equal(r.decoder, 'sharp');
  t.ok(Buffer.from(out).equals(await decodeImageRgb(await png(rgb, W, H, 3), pre224)), 'lossless WebP = PNG');
  const [n] = await preprocessInto([await png(rgb, W, H, 3)], pre224, out);
  t.same([n.decoder, n.mode, n.width, n.height], ['native', 'RGB', W, H]);
});

t.test('float output is x / 255 in float32', async (t) => {
  const x = await loadImages([], pre224);
  t.same(x.shape, [0, 224, 224, 3]);
  const f = new Float32Array(224 * 224 * 3);
  const b = new Uint8Array(224 * 224 * 3);
  const file = await png(rgb, W, H, 3);
  await preprocessInto([file], pre224, f);
  await preprocessInto([file], pre224, b);
  t.ok(f.every((v, i) => v === Math.fround(b[i] / 255)));
});

t.test('bad input: named errors per image, the others still decode', async (t) => {
  const good = await png(rgb, W, H, 3);
  const jpeg = await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).jpeg().toBuffer();
  const out = new Uint8Array(3 * 224 * 224 * 3);
  const res = await preprocessInto([Buffer.from('not an image'), jpeg.subarray(0, jpeg.length >> 1), good], pre224, out);
  t.same(res.map((r) => r.ok), [false, false, true]);
  t.match(res[1].error, /truncated/);
  await t.rejects(decodeImageRgb('/nonexistent/x.jpg', pre224), { code: 'LKR_IMAGE', message: /no such file/ });
  await t.rejects(decodeImageRgb(Buffer.from('xx'), pre224), ImageDecodeError);
});

t.test('--exif-rotate opts in to the EXIF orientation (Pillow ignores it)', async (t) => {
  const tagged = await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
  const out = new Uint8Array(224 * 224 * 3);
  const [plain] = await preprocessInto([tagged], pre224, out);
  const [turned] = await preprocessInto([tagged], pre224, out, 0, { exifRotate: true });
  t.same([plain.width, plain.height, plain.decoder], [W, H, 'native']);
  t.same([turned.width, turned.height, turned.decoder], [H, W, 'sharp']);
});
