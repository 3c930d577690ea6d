// Image headers are read before decoding: a few hundred bytes declaring tens of thousands of pixels a side
// are refused, as Pillow refuses them (DecompressionBombError), instead of allocating gigabytes.
import { crc32 } from 'node:zlib';

import sharp from 'sharp';
import t from 'tap';

import { imageDimensions, MAX_IMAGE_PIXELS } from '../../src/data/image_header.js';
import { preprocessInto } from '../../src/data/preprocess.js';

const raw = Buffer.alloc(8 * 8 * 3, 128);
const small = (format: 'png' | 'jpeg') => sharp(raw, { raw: { width: 8, height: 8, channels: 3 } })[format]().toBuffer();

/** The PNG with its IHDR saying width x height (CRC fixed, so the header itself is valid). */
function pngClaiming(png: Buffer, width: number, height: number): Buffer {
  const b = Buffer.from(png);
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  b.writeUInt32BE(crc32(b.subarray(12, 29)), 29);
  return b;
}

/** The JPEG with its first frame header saying width x height. */
function jpegClaiming(jpeg: Buffer, width: number, height: number): Buffer {
  const b = Buffer.from(jpeg);
  const sof = b.indexOf(Buffer.from([0xff, 0xc0]));
  b.writeUInt16BE(height, sof + 5);
  b.writeUInt16BE(width, sof + 7);
  return b;
}

t.test('dimensions are read from PNG and JPEG headers', async (t) => {
  t.same(imageDimensions(await small('png')), { width: 8, height: 8 });
  t.same(imageDimensions(await small('jpeg')), { width: 8, height: 8 });
  t.equal(imageDimensions(Buffer.from('not an image')), null);
});

t.test('an image declaring more pixels than Pillow opens is refused before decoding', async (t) => {
  const files = [pngClaiming(await small('png'), 20000, 20000), jpegClaiming(await small('jpeg'), 60000, 60000)];
  const out = new Uint8Array(4 * 4 * 3);
  const before = process.memoryUsage().rss;
  const res = await preprocessInto(files, { inputSize: 4, cropPct: 1, interpolation: 'bilinear' }, out);
  for (const r of res) {
    t.notOk(r.ok);
    t.match(r.error, new RegExp(`more than ${MAX_IMAGE_PIXELS} .*decompression bomb`));
  }
  t.ok(process.memoryUsage().rss - before < 256 * 2 ** 20, 'nothing large was allocated');
});
