// Discovery of the released dataset layouts on disk (REFERENCE §3.1, §4.1, §5.1–5.4): typed item lists
// (path, label, group keys) in a deterministic sorted order, without decoding any image or video.
//   imagenetVal / imageFolder   <root>/<wnid>/<image>
//   imagenetA / imagenetR        <root>/<wnid>/<image>, 200 wnid folders; label = position in the 200-list
//   imagenetO                    the same, plus the in-distribution val folders of the same 200 wnids
//   imagenetC                    <root>[/<category>]/<corruption>/<severity>/<wnid>/<image>
//   imagenetP                    <root>/<perturbation>/<wnid>/<stem>.mp4, or decoded <stem>/<frame>.<image>
//   imagenet9                    <root>/<variation>[/val]/<NN_name>/<image>
import path from 'node:path';

import {
  DatasetLayoutError,
  type ImageFolderDataset,
  type ImageFolderOptions,
  type ImageItem,
  classLabeller,
  imageFilesUnder,
  isImageFile,
  listDir,
  scanImageFolder,
  subfolders,
} from './imagefolder.js';
import { type Subset200, alexnetC, classSubset, imagenet1kIndexOf, in9Map } from './reference_data.js';

export { DatasetLayoutError, IMAGE_EXTENSIONS, isImageFile } from './imagefolder.js';
export type { ImageFolderDataset, ImageItem, LabelSpace } from './imagefolder.js';

// ---------------------------------------------------------------------------------------------------------
// ImageNet val and plain ImageFolder

/** Any ImageFolder tree (labels: ImageNet-1k index when all folders are 1k wnids, else sorted folder rank). */
export function imageFolder(root: string, opts: ImageFolderOptions = {}): ImageFolderDataset {
  return scanImageFolder(root, opts);
}

/** ImageNet val (`<root>/<wnid>/<file>`): every folder must be an ImageNet-1k wnid; label = 1k class index. */
export function imagenetVal(root: string): ImageFolderDataset {
  return scanImageFolder(root, { labels: 'imagenet-1k' });
}

// ---------------------------------------------------------------------------------------------------------
// ImageNet-A / -R / -O: 200 wnid folders

export interface Subset200Dataset {
  layout: 'imagenet-a' | 'imagenet-r' | 'imagenet-o' | 'val-subset';
  root: string;
  labelSpace: 'subset-200';
  /** The 200 wnids of the benchmark, in 1k order: item.label = position here = restricted-logit column. */
  classes: readonly string[];
  /** Their 1k indices (the columns to keep). */
  indices: readonly number[];
  /** Benchmark wnids that have no folder (or an empty one) on disk. */
  missingClasses: string[];
  items: ImageItem[];
}

const SUBSET_NAME: Record<Subset200, string> = { a: 'ImageNet-A', r: 'ImageNet-R', o: 'ImageNet-O' };

function subsetLayout(which: Subset200): string {
  return `<root>/<wnid>/<image> with the 200 ${SUBSET_NAME[which]} wnid folders (data/imagenet_${which}_wnids.json)`;
}

function scanSubset(root: string, which: Subset200, layout: Subset200Dataset['layout'], onlyListed: boolean): Subset200Dataset {
  const expected = layout === 'val-subset' ? `<val>/<wnid>/<image> holding the ${SUBSET_NAME[which]} wnids` : subsetLayout(which);
  const { wnids, indices } = classSubset(which);
  const pos = new Map(wnids.map((w, j) => [w, j]));
  const dirs = subfolders(root, expected);
  if (!onlyListed) {
    const unknown = dirs.filter((d) => !pos.has(d.name)).map((d) => d.name);
    if (unknown.length) {
      const names = `${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ', …' : ''}`;
      throw new DatasetLayoutError(root, `folders not in the ${SUBSET_NAME[which]} class list: ${names}`, expected);
    }
  }
  const items: ImageItem[] = [];
  const seen = new Set<string>();
  for (const d of dirs) {
    const j = pos.get(d.name);
    if (j === undefined) continue;
    const files = imageFilesUnder(d.path, expected);
    if (files.length) seen.add(d.name);
    for (const f of files) items.push({ path: f, label: j, className: d.name, index1k: indices[j] });
  }
  if (items.length === 0) throw new DatasetLayoutError(root, `contains no images in ${SUBSET_NAME[which]} class folders`, expected);
  return { layout, root, labelSpace: 'subset-200', classes: wnids, indices, missingClasses: wnids.filter((w) => !seen.has(w)), items };
}

/** ImageNet-A: 200 wnid folders; label = position in data/imagenet_a_wnids.json (= restricted argmax column). */
export function imagenetA(root: string): Subset200Dataset {
  return scanSubset(root, 'a', 'imagenet-a', false);
}

/** ImageNet-R: as ImageNet-A with the R list. */
export function imagenetR(root: string): Subset200Dataset {
  return scanSubset(root, 'r', 'imagenet-r', false);
}

/**
 * The ImageNet-val images of the 200 classes of A, R or O (from `<val>/<wnid>/`, other folders ignored),
 * labelled by position in that 200-list: IN-R's matching val subset, IN-O's in-distribution set.
 */
export function valSubset(valRoot: string, which: Subset200): Subset200Dataset {
  return scanSubset(valRoot, which, 'val-subset', true);
}

export interface ImageNetODataset {
  /** ImageNet-O images: the out-of-distribution positives. */
  out: Subset200Dataset;
  /** The same-wnid ImageNet-val images (negatives); null when no val folder was given. */
  in: Subset200Dataset | null;
}

/** ImageNet-O (200 wnid folders), plus the in-distribution val subset of the same wnids when `valDir` is given. */
export function imagenetO(root: string, opts: { valDir?: string } = {}): ImageNetODataset {
  const out = scanSubset(root, 'o', 'imagenet-o', false);
  return { out, in: opts.valDir ? valSubset(opts.valDir, 'o') : null };
}

// ---------------------------------------------------------------------------------------------------------
// ImageNet-C

export const IMAGENET_C_LAYOUT =
  '<root>/<corruption>/<severity 1..5>/<wnid>/<image> (optionally grouped as <root>/<category>/<corruption>/..., ' +
  'e.g. noise/gaussian_noise/3/n01440764/x.JPEG)';

export interface CItem extends ImageItem {
  corruption: string;
  severity: number;
  /** The grouping folder above the corruption (noise, blur, weather, digital, extra), or null. */
  category: string | null;
}

export interface ImageNetCDataset {
  layout: 'imagenet-c';
  root: string;
  labelSpace: 'imagenet-1k' | 'folders';
  /** Sorted union of the class folder names. */
  classes: string[];
  /** Corruptions found (sorted) → severities present (ascending). */
  present: Record<string, number[]>;
  /** Images per corruption and severity, in item order. */
  groups: { corruption: string; severity: number; category: string | null; count: number }[];
  /** Of the 19 known corruptions (15 benchmark + 4 extra), the severities not on disk. */
  missing: { corruption: string; severities: number[] }[];
  /** Corruption folders not among the 19 known names (still listed). */
  unknownCorruptions: string[];
  items: CItem[];
}

const SEVERITY_DIR = /^[1-5]$/;

function hasSeverityDirs(dir: string): boolean {
  return subfolders(dir, IMAGENET_C_LAYOUT).some((e) => SEVERITY_DIR.test(e.name));
}

/**
 * ImageNet-C. A top folder is a corruption when it holds severity folders `1`..`5`, else a category whose
 * subfolders are corruptions. Labels as ImageFolder ('auto': ImageNet-1k index when every class folder is a
 * 1k wnid, as in the release; else the rank in the sorted union of class folders).
 */
export function imagenetC(root: string, opts: ImageFolderOptions & { corruptions?: readonly string[] } = {}): ImageNetCDataset {
  const expected = IMAGENET_C_LAYOUT;
  const found: { corruption: string; category: string | null; dir: string }[] = [];
  const top = subfolders(root, expected);
  if (top.length === 0) throw new DatasetLayoutError(root, 'has no corruption folders', expected);
  for (const e of top) {
    if (hasSeverityDirs(e.path)) found.push({ corruption: e.name, category: null, dir: e.path });
    else {
      const inner = subfolders(e.path, expected).filter((c) => hasSeverityDirs(c.path));
      if (inner.length === 0) {
        throw new DatasetLayoutError(e.path, 'is neither a corruption (with severity folders 1..5) nor a category of corruptions', expected);
      }
      for (const c of inner) found.push({ corruption: c.name, category: e.name, dir: c.path });
    }
  }
  const dup = found.map((f) => f.corruption).filter((c, i, a) => a.indexOf(c) !== i);
  if (dup.length) throw new DatasetLayoutError(root, `corruption ${dup[0]} appears twice`, expected);
  found.sort((a, b) => (a.corruption < b.corruption ? -1 : a.corruption > b.corruption ? 1 : 0));
  const wanted = opts.corruptions ? new Set(opts.corruptions) : null;
  const chosen = wanted ? found.filter((f) => wanted.has(f.corruption)) : found;
  if (wanted) {
    const absent = [...wanted].filter((c) => !found.some((f) => f.corruption === c));
    if (absent.length) throw new DatasetLayoutError(root, `corruptions not found: ${absent.join(', ')}`, expected);
  }

  // Pass 1: the (corruption, severity, class folder) triples, to fix the label space over the whole tree.
  const cells: { f: (typeof found)[number]; severity: number; classes: { name: string; path: string }[] }[] = [];
  for (const f of chosen) {
    for (const s of subfolders(f.dir, expected)) {
      if (!SEVERITY_DIR.test(s.name)) throw new DatasetLayoutError(s.path, 'is not a severity folder 1..5', expected);
      cells.push({ f, severity: Number(s.name), classes: subfolders(s.path, expected) });
    }
  }
  const classes = [...new Set(cells.flatMap((c) => c.classes.map((k) => k.name)))].sort();
  if (classes.length === 0) throw new DatasetLayoutError(root, 'has no class folders under the severity folders', expected);
  const { labelSpace, label } = classLabeller(classes, opts.labels ?? 'auto', root, expected);

  const items: CItem[] = [];
  const present: Record<string, number[]> = {};
  const groups: ImageNetCDataset['groups'] = [];
  for (const cell of cells) {
    let count = 0;
    for (const k of cell.classes) {
      const lab = label(k.name);
      const k1 = imagenet1kIndexOf(k.name) ?? null;
      for (const p of imageFilesUnder(k.path, expected)) {
        const { corruption, category } = cell.f;
        items.push({ path: p, label: lab, className: k.name, index1k: k1, corruption, severity: cell.severity, category });
        count++;
      }
    }
    if (count > 0) {
      (present[cell.f.corruption] ??= []).push(cell.severity);
      groups.push({ corruption: cell.f.corruption, severity: cell.severity, category: cell.f.category, count });
    }
  }
  if (items.length === 0) throw new DatasetLayoutError(root, 'contains no image files', expected);
  const base = alexnetC();
  const known = [...base.benchmark_15, ...base.extra_4];
  const missing = (wanted ? known.filter((c) => wanted.has(c)) : known)
    .map((c) => ({ corruption: c, severities: [1, 2, 3, 4, 5].filter((s) => !(present[c] ?? []).includes(s)) }))
    .filter((m) => m.severities.length > 0);
  const unknownCorruptions = chosen.map((f) => f.corruption).filter((c) => !known.includes(c));
  return { layout: 'imagenet-c', root, labelSpace, classes, present, groups, missing, unknownCorruptions, items };
}

// ---------------------------------------------------------------------------------------------------------
// ImageNet-P

export const IMAGENET_P_LAYOUT =
  '<root>/<perturbation>/<wnid>/<stem>.mp4 (released videos), or decoded frames <root>/<perturbation>/<wnid>/<stem>/<frame>.png|jpg';

export interface PItem extends ImageItem {
  /** Folder name, e.g. gaussian_noise or gaussian_noise_2. */
  perturbation: string;
  /** The perturbation without a `_2`/`_3` difficulty suffix. */
  base: string;
  /** 1, or 2/3 for the harder noise folders `<p>_2`, `<p>_3`. */
  difficulty: number;
  /** 'video': `path` is an .mp4 (decoding is the loader's job); 'frames': `frames` lists the decoded images. */
  format: 'video' | 'frames';
  /** Frame image paths in frame order ('frames' only). */
  frames: string[] | null;
  /** Frames the released video has: 31, translate 41. */
  expectedFrames: number;
}

export interface ImageNetPDataset {
  layout: 'imagenet-p';
  root: string;
  labelSpace: 'imagenet-1k' | 'folders';
  classes: string[];
  perturbations: string[];
  /** Videos per perturbation. */
  counts: Record<string, number>;
  /** Decoded sequences whose frame count differs from the expected one (videos are not opened). */
  frameCountMismatches: { path: string; frames: number; expected: number }[];
  items: PItem[];
}

const VIDEO_EXTENSIONS = ['.mp4'];

function perturbationBase(name: string): { base: string; difficulty: number } {
  const m = /^(.*)_([23])$/.exec(name);
  return m ? { base: m[1], difficulty: Number(m[2]) } : { base: name, difficulty: 1 };
}

function expectedFrames(base: string): number {
  return base === 'translate' ? 41 : 31;
}

/** Sorts frame files by the last number in their stem when all have one (0.png, 1.png, …, 10.png), else by name. */
function sortFrames(files: string[]): string[] {
  const num = files.map((f) => /(\d+)(?!.*\d)/.exec(path.basename(f, path.extname(f)))?.[1]);
  if (num.every((n) => n !== undefined)) {
    return files.map((f, i) => ({ f, n: Number(num[i]) })).sort((a, b) => a.n - b.n || (a.f < b.f ? -1 : 1)).map((x) => x.f);
  }
  return [...files].sort();
}

/**
 * ImageNet-P: one item per video. A `<stem>.mp4` file is a released video; a `<stem>/` folder of images is
 * an already-decoded sequence (frames ordered by the number in their names). Labels as ImageFolder.
 */
export function imagenetP(root: string, opts: ImageFolderOptions & { perturbations?: readonly string[] } = {}): ImageNetPDataset {
  const expected = IMAGENET_P_LAYOUT;
  let pdirs = subfolders(root, expected);
  if (pdirs.length === 0) throw new DatasetLayoutError(root, 'has no perturbation folders', expected);
  if (opts.perturbations) {
    const want = new Set(opts.perturbations);
    const absent = [...want].filter((p) => !pdirs.some((d) => d.name === p));
    if (absent.length) throw new DatasetLayoutError(root, `perturbations not found: ${absent.join(', ')}`, expected);
    pdirs = pdirs.filter((d) => want.has(d.name));
  }
  const perCell = pdirs.map((p) => ({ p, classes: subfolders(p.path, expected) }));
  const classes = [...new Set(perCell.flatMap((c) => c.classes.map((k) => k.name)))].sort();
  if (classes.length === 0) throw new DatasetLayoutError(root, 'has no class folders under the perturbation folders', expected);
  const { labelSpace, label } = classLabeller(classes, opts.labels ?? 'auto', root, expected);

  const items: PItem[] = [];
  const counts: Record<string, number> = {};
  const frameCountMismatches: ImageNetPDataset['frameCountMismatches'] = [];
  for (const { p, classes: cls } of perCell) {
    const { base, difficulty } = perturbationBase(p.name);
    const exp = expectedFrames(base);
    for (const k of cls) {
      const index1k = imagenet1kIndexOf(k.name) ?? null;
      const common = { label: label(k.name), className: k.name, index1k, perturbation: p.name, base, difficulty, expectedFrames: exp };
      for (const e of listDir(k.path, expected)) {
        if (!e.isDir && VIDEO_EXTENSIONS.includes(path.extname(e.name).toLowerCase())) {
          items.push({ ...common, path: e.path, format: 'video', frames: null });
        } else if (e.isDir) {
          const frames = sortFrames(listDir(e.path, expected).filter((f) => !f.isDir && isImageFile(f.name)).map((f) => f.path));
          if (frames.length === 0) continue;
          if (frames.length !== exp) frameCountMismatches.push({ path: e.path, frames: frames.length, expected: exp });
          items.push({ ...common, path: e.path, format: 'frames', frames });
        }
      }
    }
    counts[p.name] = items.filter((it) => it.perturbation === p.name).length;
  }
  if (items.length === 0) throw new DatasetLayoutError(root, 'contains no .mp4 videos or decoded frame folders', expected);
  const perturbations = pdirs.map((d) => d.name).filter((n) => counts[n] > 0);
  return { layout: 'imagenet-p', root, labelSpace, classes, perturbations, counts, frameCountMismatches, items };
}

// ---------------------------------------------------------------------------------------------------------
// ImageNet-9 (Backgrounds Challenge)

export const IMAGENET_9_LAYOUT =
  '<root>/<variation>/val/<NN_name>/<image> (or <root>/<variation>/<NN_name>/<image>), NN_name one of 00_dog … 08_fish';

export interface In9Item extends ImageItem {
  variation: string;
}

export interface ImageNet9Dataset {
  layout: 'imagenet-9';
  root: string;
  /** The 9 IN-9 classes; label = NN of the folder = position here. */
  classes: readonly string[];
  variations: string[];
  counts: Record<string, number>;
  items: In9Item[];
}

const IN9_CLASS_DIR = /^(\d\d)_(.+)$/;

/**
 * ImageNet-9: each variation folder (fg_mask skipped: it holds masks) with or without the `val` level;
 * class folders `NN_name`, label = NN (0..8). `variations` selects some.
 */
export function imagenet9(root: string, opts: { variations?: readonly string[] } = {}): ImageNet9Dataset {
  const expected = IMAGENET_9_LAYOUT;
  const map = in9Map();
  let vdirs = subfolders(root, expected).filter((d) => d.name !== 'fg_mask');
  if (vdirs.length === 0) throw new DatasetLayoutError(root, 'has no variation folders', expected);
  if (opts.variations) {
    const want = new Set(opts.variations);
    const absent = [...want].filter((v) => !vdirs.some((d) => d.name === v));
    if (absent.length) throw new DatasetLayoutError(root, `variations not found: ${absent.join(', ')}`, expected);
    vdirs = vdirs.filter((d) => want.has(d.name));
  }
  const items: In9Item[] = [];
  const counts: Record<string, number> = {};
  for (const v of vdirs) {
    const subs = subfolders(v.path, expected);
    const valDir = subs.find((s) => s.name === 'val');
    const classDirs = valDir ? subfolders(valDir.path, expected) : subs;
    let n = 0;
    for (const c of classDirs) {
      const m = IN9_CLASS_DIR.exec(c.name);
      const lab = m ? Number(m[1]) : -1;
      if (!m || lab >= map.classes.length) throw new DatasetLayoutError(c.path, 'is not an IN-9 class folder NN_name with NN in 00..08', expected);
      for (const f of imageFilesUnder(c.path, expected)) {
        items.push({ path: f, label: lab, className: c.name, index1k: null, variation: v.name });
        n++;
      }
    }
    if (n > 0) counts[v.name] = n;
  }
  if (items.length === 0) throw new DatasetLayoutError(root, 'contains no image files', expected);
  return { layout: 'imagenet-9', root, classes: map.classes, variations: Object.keys(counts), counts, items };
}
