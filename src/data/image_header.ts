// Image dimensions read from PNG and JPEG headers, before anything is decoded, so that a few hundred bytes
// declaring a 60000 x 60000 image are refused instead of allocating gigabytes. The bound is Pillow's: it
// raises DecompressionBombError above twice Image.MAX_IMAGE_PIXELS, so nothing PyTorch users can load is lost.
export const MAX_IMAGE_PIXELS = 2 * 89_478_485;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from a PNG IHDR or a JPEG SOF segment; null when the header holds neither. */
export function imageDimensions(b: Uint8Array): { width: number; height: number } | null {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (buf.length >= 24 && buf.subarray(0, 8).equals(PNG_SIGNATURE) && buf.toString('latin1', 12, 16) === 'IHDR') {
    return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
  }
  if (buf.length < 4 || buf[0] !== 0xff || buf[1] !== 0xd8) return null;
  let pos = 2;
  while (pos + 4 <= buf.length) {
    if (buf[pos] !== 0xff) return null;
    const marker = buf[pos + 1];
    if (marker === 0xff) {
      pos += 1; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2; // markers without a length
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return null; // image data or end before any frame header
    const length = buf.readUInt16BE(pos + 2);
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) return pos + 9 <= buf.length ? { height: buf.readUInt16BE(pos + 5), width: buf.readUInt16BE(pos + 7) } : null;
    if (length < 2) return null;
    pos += 2 + length;
  }
  return null;
}

/** Why an image is refused before decoding, or null. */
export function oversizedImage(b: Uint8Array): string | null {
  const d = imageDimensions(b);
  if (!d || d.width * d.height <= MAX_IMAGE_PIXELS) return null;
  return `${d.width} x ${d.height} pixels is more than ${MAX_IMAGE_PIXELS} (Pillow refuses it as a decompression bomb too)`;
}
