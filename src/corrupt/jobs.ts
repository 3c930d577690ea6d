// What a `corrupt` run makes: the source images of an ImageFolder tree and, for each, the released path of
// every (corruption, severity) output: <out>/<corruption>/<severity>/<wnid>/<file>.
import path from 'node:path';

import { scanImageFolder } from '../data/imagefolder.js';
import type { CorruptionName } from './params.js';

export type OutputFormat = 'jpeg' | 'png';

export interface SourceImage {
  path: string;
  /** `<class>/<file>` relative to the data root: the image's identity in the random streams. */
  rel: string;
  className: string;
}

export interface Variant {
  corruption: CorruptionName;
  severity: number;
}

/** Every image of an ImageFolder tree (`<class>/<image>`), in ImageFolder order. */
export function sourceImages(root: string): SourceImage[] {
  const ds = scanImageFolder(root, { labels: 'folders' });
  return ds.items.map((it) => ({ path: it.path, rel: path.relative(root, it.path).split(path.sep).join('/'), className: it.className }));
}

const JPEG_EXTENSIONS = ['.jpeg', '.jpg', '.jpe', '.jfif'];

/**
 * Released name of an output: the source file name for JPEG output from a JPEG source (as the released sets);
 * otherwise the stem with the format's extension (`.jpg`, `.png`), so a name never misstates its content.
 */
export function outputName(rel: string, format: OutputFormat): string {
  const ext = path.posix.extname(rel);
  if (format === 'jpeg' && JPEG_EXTENSIONS.includes(ext.toLowerCase())) return rel;
  return rel.slice(0, rel.length - ext.length) + (format === 'jpeg' ? '.jpg' : '.png');
}

export function outputPath(out: string, v: Variant, rel: string, format: OutputFormat): string {
  return path.join(out, v.corruption, String(v.severity), ...outputName(rel, format).split('/'));
}

/** All (corruption, severity) pairs, corruption-major as the generator loops. */
export function variants(corruptions: readonly CorruptionName[], severities: readonly number[]): Variant[] {
  return corruptions.flatMap((corruption) => severities.map((severity) => ({ corruption, severity })));
}
