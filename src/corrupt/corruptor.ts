// Decoded crops -> corrupted image files (bytes), for the writer and for on-the-fly evaluation alike, so that
// both produce exactly the same bytes: JPEG q85 as the released sets were saved (encoded natively), or PNG.
import sharp from 'sharp';

import { corruptImages } from '../native.js';
import type { FrostSource } from './frost.js';
import type { OutputFormat, Variant } from './jobs.js';
import { corruptionParams } from './params.js';

/** The released sets' JPEG quality (make_imagenet_c.py saves with quality 85). */
export const RELEASED_JPEG_QUALITY = 85;

export interface CorruptSettings {
  seed: number;
  size: number;
  format: OutputFormat;
  frost: FrostSource;
}

/** Corrupts same-size crops (size² × 3 bytes each, keyed by their relative paths) and encodes each result. */
export async function corruptToFiles(crops: Buffer[], keys: string[], v: Variant, s: CorruptSettings): Promise<Buffer[]> {
  const per = s.size * s.size * 3;
  const images = Buffer.concat(crops, crops.length * per);
  const r = await corruptImages({
    corruption: v.corruption,
    severity: v.severity,
    params: corruptionParams(v.corruption, v.severity),
    seed: s.seed,
    width: s.size,
    height: s.size,
    images,
    keys,
    jpegQuality: s.format === 'jpeg' ? RELEASED_JPEG_QUALITY : undefined,
    frost: v.corruption === 'frost' ? s.frost.textures : undefined,
  });
  if (s.format === 'jpeg') return r.jpegs!;
  return Promise.all(
    crops.map((_, i) =>
      sharp(r.pixels.subarray(i * per, (i + 1) * per), { raw: { width: s.size, height: s.size, channels: 3 } })
        .png({ compressionLevel: 6 })
        .toBuffer(),
    ),
  );
}
