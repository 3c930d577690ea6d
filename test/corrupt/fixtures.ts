// A small source ImageFolder for the corrupt tests: synthetic JPEGs of assorted sizes (so the resize + crop
// runs), one PNG already at the output size (used as is), in two wnid folders.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import sharp from 'sharp';

import { syntheticImage } from '../../src/data/synthetic.js';

export const CLI = path.resolve(new URL('../../dist/cli/main.js', import.meta.url).pathname);

export async function makeSourceFolder(count = 6, size = 64): Promise<string> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'lkr-corrupt-src-'));
  for (let i = 0; i < count; i++) {
    const dir = path.join(root, i % 2 ? 'n01440764' : 'n01443537');
    mkdirSync(dir, { recursive: true });
    const side = size + 16 + 8 * i;
    const rgb = syntheticImage(i % 5, i, side);
    const img = sharp(rgb, { raw: { width: side, height: side, channels: 3 } }).resize(side + 10 * (i % 3), side, { fit: 'fill' });
    await img.jpeg({ quality: 92 }).toFile(path.join(dir, `ILSVRC2012_val_${String(i + 1).padStart(8, '0')}.JPEG`));
  }
  const at = syntheticImage(7, 99, size);
  await sharp(at, { raw: { width: size, height: size, channels: 3 } }).png().toFile(path.join(root, 'n01440764', 'already_at_size.png'));
  return root;
}

/**
 * relative path -> sha256 of every file under dir (manifest.json excluded: it holds timings). Safe to call while a
 * writer runs: a temporary file renamed away between listing and reading is skipped.
 */
export function hashTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      try {
        if (statSync(p).isDirectory()) walk(p);
        else if (name !== 'manifest.json') out.set(path.relative(dir, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
  };
  walk(dir);
  return out;
}
