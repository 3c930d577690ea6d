// Defect 7 of the hostile-input pass: fully transparent RGBA pixels used to come out black (alpha-premultiplied
// resizing), where torchvision's Image.convert('RGB') keeps their RGB. The native pixel pipeline (issue 15)
// drops alpha before resampling; this pins it for both decoders (native PNG, and sharp's path).
import sharp from 'sharp';
import t from 'tap';

import { preprocessInto, type PixelPreprocess } from '../../src/data/preprocess.js';

const W = 16;
const rgb = Buffer.alloc(W * W * 3);
for (let i = 0; i < W * W; i++) rgb.set([(i * 7) % 256, (i * 13 + 50) % 256, 255 - ((i * 3) % 256)], i * 3);
const rgbaTransparent = Buffer.alloc(W * W * 4);
for (let i = 0; i < W * W; i++) rgbaTransparent.set([...rgb.subarray(i * 3, i * 3 + 3), 0], i * 4);

const png = (raw: Buffer, channels: 3 | 4) => sharp(raw, { raw: { width: W, height: W, channels } }).png().toBuffer();
const pre: PixelPreprocess = { inputSize: 8, cropPct: 1, interpolation: 'bicubic' };

async function pixels(file: Buffer, viaSharp: boolean): Promise<Uint8Array> {
  const out = new Uint8Array(8 * 8 * 3);
  const [r] = await preprocessInto([file], pre, out, 0, viaSharp ? { exifRotate: true } : {});
  if (!r.ok) throw new Error(r.error);
  return out;
}

t.test('defect 7: a fully transparent RGBA image gives the pixels of its RGB, as convert("RGB")', async (t) => {
  const [rgbPng, rgbaPng] = await Promise.all([png(rgb, 3), png(rgbaTransparent, 4)]);
  for (const viaSharp of [false, true]) {
    const want = await pixels(rgbPng, viaSharp);
    const got = await pixels(rgbaPng, viaSharp);
    t.ok(want.some((v) => v > 0), 'the reference is not black');
    t.same(Array.from(got), Array.from(want), viaSharp ? 'sharp decoder' : 'native decoder');
  }
});
