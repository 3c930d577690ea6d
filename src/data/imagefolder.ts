// Folder walking shared by the dataset layouts: sorted listings that skip hidden entries and follow
// symlinks, image-file recognition by extension, and the torchvision ImageFolder convention
// (`<root>/<class>/<file>`, classes = sorted folder names). Nothing here decodes an image. Walks are
// iterative and visit each real folder once, so a tree of links back to itself ends.
import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

import { LkrError } from '../util/lkr_error.js';
import { imagenet1kIndexOf } from './reference_data.js';

/** File suffixes (lower case) that sharp decodes: JPEG, PNG, WebP, TIFF, GIF, AVIF, SVG. Matched case-insensitively. */
export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.webp', '.tif', '.tiff', '.gif', '.avif', '.svg'];

export function isImageFile(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(path.extname(name).toLowerCase());
}

/** A folder that is missing, empty or not laid out as expected. `expected` describes the layout. */
export class DatasetLayoutError extends LkrError {
  constructor(
    readonly path: string,
    why: string,
    readonly expected: string,
  ) {
    super('LKR_DATA_LAYOUT', `${path}: ${why}; expected layout ${expected}`);
    this.name = 'DatasetLayoutError';
  }
}

export interface Entry {
  name: string;
  path: string;
  isDir: boolean;
}

/**
 * The non-hidden entries of a folder, sorted by name (code-unit order, as Python's sorted()), symlinks
 * followed (a broken link is skipped). A missing folder throws DatasetLayoutError with `expected`.
 */
export function listDir(dir: string, expected: string): Entry[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new DatasetLayoutError(dir, 'is not a folder', expected);
    names = readdirSync(dir);
  } catch (e) {
    if (e instanceof DatasetLayoutError) throw e;
    throw new DatasetLayoutError(dir, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, expected);
  }
  const out: Entry[] = [];
  for (const name of names.sort()) {
    if (name.startsWith('.')) continue;
    const p = path.join(dir, name);
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      continue;
    }
    out.push({ name, path: p, isDir });
  }
  return out;
}

/** Sorted subfolders of `dir`. */
export function subfolders(dir: string, expected: string): Entry[] {
  return listDir(dir, expected).filter((e) => e.isDir);
}

/**
 * Symlinked folders inside a walk: 'follow-once' (default) walks each real folder once and never a link back
 * to the walk's root or above it (those would list the same images again, or forever); 'skip' ignores them.
 */
export type SymlinkPolicy = 'follow-once' | 'skip';

function realPath(p: string): string | null {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
}

/** True when `real` is `root` or one of its ancestors. */
function containsOrIs(real: string, root: string): boolean {
  return root === real || root.startsWith(real.endsWith(path.sep) ? real : real + path.sep);
}

/**
 * The image files under a class folder, recursively, in torchvision ImageFolder's order (folders walked in
 * sorted path order, files sorted within each).
 */
export function imageFilesUnder(dir: string, expected: string, opts: { symlinks?: SymlinkPolicy } = {}): string[] {
  const policy = opts.symlinks ?? 'follow-once';
  const found: { dir: string; files: string[] }[] = [];
  const rootReal = realPath(dir) ?? dir;
  const visited = new Set<string>();
  const todo = [dir];
  while (todo.length) {
    const d = todo.pop()!;
    const real = realPath(d);
    if (real === null || visited.has(real) || (d !== dir && containsOrIs(real, rootReal))) continue;
    visited.add(real);
    const entries = listDir(d, expected);
    found.push({ dir: d, files: entries.filter((e) => !e.isDir && isImageFile(e.name)).map((e) => e.path) });
    for (const e of entries) {
      if (e.isDir && !(policy === 'skip' && lstatSync(e.path).isSymbolicLink())) todo.push(e.path);
    }
  }
  found.sort((a, b) => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));
  return found.flatMap((f) => f.files);
}

/** One image of a labelled dataset. */
export interface ImageItem {
  /** Absolute (or root-relative as given) path of the image file. */
  path: string;
  /** The label to score against: meaning depends on the layout (its `labelSpace`). */
  label: number;
  /** The class folder name (a wnid for the ImageNet layouts). */
  className: string;
  /** ImageNet-1k class index of the folder, when it is an ImageNet-1k wnid; else null. */
  index1k: number | null;
}

/**
 * How labels are assigned: 'imagenet-1k' = index of the folder's wnid among the 1000 sorted ImageNet-1k wnids
 * (data/imagenet_1k_wnids.json); 'folders' = rank of the folder among the dataset's sorted class folders
 * (torchvision ImageFolder); 'subset-200' = position in an ImageNet-A/R/O 200-wnid list.
 */
export type LabelSpace = 'imagenet-1k' | 'folders' | 'subset-200';

export interface ImageFolderOptions {
  /**
   * 'auto' (default): 'imagenet-1k' when every class folder is an ImageNet-1k wnid, else 'folders'. With all
   * 1000 wnid folders both give the same labels; they differ for a subset of classes.
   */
  labels?: 'auto' | 'imagenet-1k' | 'folders';
  /** Symlinked folders inside class folders; see SymlinkPolicy. */
  symlinks?: SymlinkPolicy;
}

export interface ImageFolderDataset {
  layout: 'imagefolder';
  root: string;
  labelSpace: 'imagenet-1k' | 'folders';
  /** Sorted class folder names; with 'folders' labels, label = position here. */
  classes: string[];
  items: ImageItem[];
}

export const IMAGEFOLDER_LAYOUT = '<root>/<class>/<image> (ImageFolder: one folder per class, e.g. ImageNet val <wnid>/<file>.JPEG)';

/** Chooses the label space of a set of class names and returns a labeller. */
export function classLabeller(
  classes: readonly string[],
  mode: 'auto' | 'imagenet-1k' | 'folders',
  root: string,
  expected: string,
): { labelSpace: 'imagenet-1k' | 'folders'; label: (name: string) => number } {
  const not1k = classes.filter((c) => imagenet1kIndexOf(c) === undefined);
  if (mode === 'imagenet-1k' && not1k.length) {
    const names = `${not1k.slice(0, 5).join(', ')}${not1k.length > 5 ? ', …' : ''}`;
    throw new DatasetLayoutError(root, `class folders are not ImageNet-1k wnids: ${names}`, expected);
  }
  if (mode === 'imagenet-1k' || (mode === 'auto' && not1k.length === 0)) {
    return { labelSpace: 'imagenet-1k', label: (c) => imagenet1kIndexOf(c)! };
  }
  const rank = new Map([...classes].sort().map((c, i) => [c, i]));
  return { labelSpace: 'folders', label: (c) => rank.get(c)! };
}

/** Any ImageFolder tree; see ImageFolderOptions for the labels. Throws when there is no image at all. */
export function scanImageFolder(root: string, opts: ImageFolderOptions = {}): ImageFolderDataset {
  const expected = IMAGEFOLDER_LAYOUT;
  const classDirs = subfolders(root, expected);
  if (classDirs.length === 0) throw new DatasetLayoutError(root, 'has no class folders', expected);
  const classes = classDirs.map((d) => d.name);
  const { labelSpace, label } = classLabeller(classes, opts.labels ?? 'auto', root, expected);
  const items: ImageItem[] = [];
  for (const d of classDirs) {
    const lab = label(d.name);
    const k = imagenet1kIndexOf(d.name) ?? null;
    for (const f of imageFilesUnder(d.path, expected, { symlinks: opts.symlinks })) items.push({ path: f, label: lab, className: d.name, index1k: k });
  }
  if (items.length === 0) throw new DatasetLayoutError(root, 'contains no image files', expected);
  return { layout: 'imagefolder', root, labelSpace, classes, items };
}
