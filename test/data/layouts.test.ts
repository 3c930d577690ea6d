import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import sharp from 'sharp';
import t from 'tap';

import {
  DatasetLayoutError,
  imageFolder,
  imagenet9,
  imagenetA,
  imagenetC,
  imagenetO,
  imagenetP,
  imagenetR,
  imagenetVal,
  isImageFile,
  valSubset,
} from '../../src/data/layouts.js';
import { classSubset } from '../../src/data/reference_data.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'lkr-layouts-'));
t.teardown(() => rmSync(tmp, { recursive: true, force: true }));

let png: Buffer;
let jpg: Buffer;
t.before(async () => {
  const img = sharp({ create: { width: 4, height: 3, channels: 3, background: { r: 200, g: 30, b: 90 } } });
  png = await img.clone().png().toBuffer();
  jpg = await img.clone().jpeg().toBuffer();
});

/** Writes files (an image by extension, or text) under a fresh root; returns the root. */
function tree(name: string, files: string[]): string {
  const root = path.join(tmp, name);
  for (const f of files) {
    const p = path.join(root, f);
    mkdirSync(path.dirname(p), { recursive: true });
    if (f.endsWith('/')) continue;
    const ext = path.extname(f).toLowerCase();
    writeFileSync(p, ext === '.png' ? png : ext === '.jpg' || ext === '.jpeg' ? jpg : 'not an image');
  }
  return root;
}

const rel = (root: string, items: { path: string }[]) => items.map((i) => path.relative(root, i.path));

t.test('image files by extension, any case', async (t) => {
  for (const f of ['a.JPEG', 'b.jpg', 'c.Png', 'd.webp', 'e.TIFF', 'f.avif']) t.ok(isImageFile(f), f);
  for (const f of ['a.txt', 'b.mp4', 'npy', 'c.jpeg.bak']) t.notOk(isImageFile(f), f);
  // the generated files really are images sharp reads
  t.equal((await sharp(png).metadata()).width, 4);
  t.equal((await sharp(jpg).metadata()).format, 'jpeg');
});

t.test('ImageNet val / ImageFolder: sorted, hidden and non-image files skipped, 1k labels', async (t) => {
  const root = tree('val', [
    'n01443537/c.png',
    'n01440764/b.JPEG',
    'n01440764/a.jpeg',
    'n01440764/.DS_Store',
    'n01440764/readme.txt',
    'n01440764/sub/z.jpg',
    '.hidden/x.jpg',
    'n15075141/q.jpg',
  ]);
  const d = imagenetVal(root);
  t.same(rel(root, d.items), ['n01440764/a.jpeg', 'n01440764/b.JPEG', 'n01440764/sub/z.jpg', 'n01443537/c.png', 'n15075141/q.jpg']);
  t.same(d.items.map((i) => i.label), [0, 0, 0, 1, 999]);
  t.equal(d.labelSpace, 'imagenet-1k');
  t.same(d.classes, ['n01440764', 'n01443537', 'n15075141']);
  t.same(imageFolder(root).items.map((i) => i.label), [0, 0, 0, 1, 999], "'auto' picks 1k indices for wnid folders");
  const f = imageFolder(root, { labels: 'folders' });
  t.same(f.items.map((i) => i.label), [0, 0, 0, 1, 2]);
  t.equal(f.labelSpace, 'folders');

  const pets = tree('pets', ['dog/1.png', 'cat/2.jpg', 'cat/1.jpg']);
  const p = imageFolder(pets);
  t.same(rel(pets, p.items), ['cat/1.jpg', 'cat/2.jpg', 'dog/1.png']);
  t.same(p.items.map((i) => [i.label, i.index1k]), [[0, null], [0, null], [1, null]]);
  t.throws(() => imagenetVal(pets), /not ImageNet-1k wnids: cat, dog/);
});

t.test('ImageNet-A / -R: label = position in the 200-list, index1k beside it', async (t) => {
  const a = classSubset('a');
  const root = tree('ina', [`${a.wnids[5]}/y.png`, `${a.wnids[0]}/x.jpg`, `${a.wnids[0]}/w.jpg`]);
  const d = imagenetA(root);
  t.same(d.items.map((i) => [path.basename(i.path), i.label, i.index1k]), [
    ['w.jpg', 0, a.indices[0]],
    ['x.jpg', 0, a.indices[0]],
    ['y.png', 5, a.indices[5]],
  ]);
  t.equal(d.missingClasses.length, 198);
  t.equal(d.labelSpace, 'subset-200');
  const bad = tree('ina_bad', [`${a.wnids[0]}/x.jpg`, 'n01440764/t.jpg']);
  t.throws(() => imagenetA(bad), /folders not in the ImageNet-A class list: n01440764/);

  const r = classSubset('r');
  const rroot = tree('inr', [`${r.wnids[199]}/a.png`]);
  t.same(imagenetR(rroot).items.map((i) => [i.label, i.index1k]), [[199, r.indices[199]]]);
  // IN-R's matching val subset: other val folders are ignored.
  const val = tree('val_r', [`${r.wnids[3]}/v.jpg`, 'n01440764/other.jpg']);
  t.same(valSubset(val, 'r').items.map((i) => i.label), [3]);
});

t.test('ImageNet-O with its in-distribution val subset', async (t) => {
  const o = classSubset('o');
  const root = tree('ino', [`${o.wnids[1]}/benthos_0.99.jpg`, `${o.wnids[0]}/x.png`]);
  const val = tree('val_o', [`${o.wnids[0]}/v1.jpg`, `${o.wnids[0]}/v2.jpg`, `${o.wnids[2]}/v3.jpg`, 'n01440764/no.jpg']);
  const d = imagenetO(root, { valDir: val });
  t.same(d.out.items.map((i) => i.label), [0, 1]);
  t.same(d.in!.items.map((i) => [path.basename(i.path), i.label]), [['v1.jpg', 0], ['v2.jpg', 0], ['v3.jpg', 2]]);
  t.equal(imagenetO(root).in, null);
});

t.test('ImageNet-C with and without the category level', async (t) => {
  const root = tree('inc', [
    'noise/gaussian_noise/1/n01440764/a.JPEG',
    'noise/gaussian_noise/3/n01440764/a.JPEG',
    'noise/gaussian_noise/3/n01443537/b.JPEG',
    'brightness/5/n01443537/b.jpg',
    'extra/saturate/2/n01440764/a.png',
    'my_blur/1/n01440764/a.jpg',
    'brightness/4/n01440764/',
  ]);
  const d = imagenetC(root);
  t.same(d.present, { brightness: [5], gaussian_noise: [1, 3], my_blur: [1], saturate: [2] });
  t.same(d.groups.map((g) => [g.corruption, g.severity, g.category, g.count]), [
    ['brightness', 5, null, 1],
    ['gaussian_noise', 1, 'noise', 1],
    ['gaussian_noise', 3, 'noise', 2],
    ['my_blur', 1, null, 1],
    ['saturate', 2, 'extra', 1],
  ]);
  t.same(rel(root, d.items).slice(0, 4), [
    'brightness/5/n01443537/b.jpg',
    'noise/gaussian_noise/1/n01440764/a.JPEG',
    'noise/gaussian_noise/3/n01440764/a.JPEG',
    'noise/gaussian_noise/3/n01443537/b.JPEG',
  ]);
  t.same(d.items.map((i) => i.label), [1, 0, 0, 1, 0, 0]);
  t.equal(d.labelSpace, 'imagenet-1k');
  t.same(d.unknownCorruptions, ['my_blur']);
  t.same(d.missing.find((m) => m.corruption === 'gaussian_noise'), { corruption: 'gaussian_noise', severities: [2, 4, 5] });
  t.same(d.missing.find((m) => m.corruption === 'brightness')!.severities, [1, 2, 3, 4], 'an empty severity folder is missing');
  t.same(d.missing.find((m) => m.corruption === 'fog')!.severities, [1, 2, 3, 4, 5]);
  t.equal(d.missing.length, 19 - 0 - 0, 'none of the 19 is complete here');
  const only = imagenetC(root, { corruptions: ['saturate'] });
  t.same(only.items.map((i) => i.corruption), ['saturate']);
  t.same(only.missing, [{ corruption: 'saturate', severities: [1, 3, 4, 5] }]);
  t.throws(() => imagenetC(root, { corruptions: ['fog'] }), /corruptions not found: fog/);

  const bad = tree('inc_bad', ['fog/6/n01440764/a.jpg', 'fog/1/n01440764/a.jpg']);
  t.throws(() => imagenetC(bad), /fog\/6: is not a severity folder 1\.\.5/);
  const bad2 = tree('inc_bad2', ['fog/1/n01440764/a.jpg', 'stuff/readme/x.jpg']);
  t.throws(() => imagenetC(bad2), /stuff: is neither a corruption/);
});

t.test('ImageNet-P: videos and decoded frame folders', async (t) => {
  const frames41 = Array.from({ length: 41 }, (_, i) => `translate/n01443537/ILSVRC2012_val_00000003/${i}.png`);
  const frames11 = Array.from({ length: 11 }, (_, i) => `rotate/n01440764/seq/frame_${String(i).padStart(2, '0')}.jpg`);
  const root = tree('inp', [
    'gaussian_noise/n01440764/ILSVRC2012_val_00000002.MP4',
    'gaussian_noise/n01440764/ILSVRC2012_val_00000001.mp4',
    'gaussian_noise/n01440764/notes.txt',
    'gaussian_noise_2/n01443537/ILSVRC2012_val_00000009.mp4',
    ...frames41,
    ...frames11,
  ]);
  const d = imagenetP(root);
  t.same(d.perturbations, ['gaussian_noise', 'gaussian_noise_2', 'rotate', 'translate']);
  t.same(d.counts, { gaussian_noise: 2, gaussian_noise_2: 1, rotate: 1, translate: 1 });
  t.same(
    d.items.map((i) => [path.basename(i.path), i.format, i.base, i.difficulty, i.label, i.expectedFrames]),
    [
      ['ILSVRC2012_val_00000001.mp4', 'video', 'gaussian_noise', 1, 0, 31],
      ['ILSVRC2012_val_00000002.MP4', 'video', 'gaussian_noise', 1, 0, 31],
      ['ILSVRC2012_val_00000009.mp4', 'video', 'gaussian_noise', 2, 1, 31],
      ['seq', 'frames', 'rotate', 1, 0, 31],
      ['ILSVRC2012_val_00000003', 'frames', 'translate', 1, 1, 41],
    ],
  );
  const tr = d.items.at(-1)!;
  t.equal(tr.frames!.length, 41);
  t.same(tr.frames!.slice(9, 12).map((f) => path.basename(f)), ['9.png', '10.png', '11.png'], 'numeric frame order');
  t.same(d.frameCountMismatches.map((m) => [path.basename(m.path), m.frames, m.expected]), [['seq', 11, 31]]);
  t.same(imagenetP(root, { perturbations: ['rotate'] }).items.length, 1);
  const empty = tree('inp_empty', ['snow/n01440764/readme.txt']);
  t.throws(() => imagenetP(empty), /contains no \.mp4 videos or decoded frame folders/);
});

t.test('ImageNet-9 with and without the val level, fg_mask skipped', async (t) => {
  const root = tree('in9', [
    'original/val/08_fish/b.JPEG',
    'original/val/00_dog/a.JPEG',
    'mixed_rand/01_bird/c.png',
    'fg_mask/val/00_dog/a.npy',
  ]);
  const d = imagenet9(root);
  t.same(d.variations, ['mixed_rand', 'original']);
  t.same(d.items.map((i) => [i.variation, i.label, path.basename(i.path)]), [
    ['mixed_rand', 1, 'c.png'],
    ['original', 0, 'a.JPEG'],
    ['original', 8, 'b.JPEG'],
  ]);
  t.same(d.counts, { mixed_rand: 1, original: 2 });
  t.equal(d.classes[2], 'wheeled vehicle');
  t.same(imagenet9(root, { variations: ['original'] }).items.length, 2);
  t.throws(() => imagenet9(root, { variations: ['only_fg'] }), /variations not found: only_fg/);
  const bad = tree('in9_bad', ['original/val/dog/a.jpg']);
  t.throws(() => imagenet9(bad), /is not an IN-9 class folder/);
});

t.test('missing or empty datasets name the path and the layout', async (t) => {
  const nowhere = path.join(tmp, 'does-not-exist');
  let err: unknown = null;
  try {
    imagenetVal(nowhere);
  } catch (e) {
    err = e;
  }
  t.ok(err instanceof DatasetLayoutError && err.path === nowhere);
  t.match((err as Error).message, /does-not-exist: cannot be read \(ENOENT\); expected layout <root>\/<class>\/<image>/);
  t.throws(() => imagenetC(nowhere), /expected layout <root>\/<corruption>\/<severity 1\.\.5>/);
  t.throws(() => imagenetP(nowhere), /<stem>\.mp4/);
  t.throws(() => imagenet9(nowhere), /<variation>\/val\/<NN_name>/);
  t.throws(() => imagenetA(nowhere), /200 ImageNet-A wnid folders/);
  const empty = tree('empty_val', ['n01440764/readme.txt', 'n01443537/']);
  t.throws(() => imagenetVal(empty), /empty_val: contains no image files/);
  const noClasses = tree('no_classes', ['x.jpg']);
  t.throws(() => imageFolder(noClasses), /has no class folders/);
  const file = tree('a_file', ['f.txt']);
  t.throws(() => imageFolder(path.join(file, 'f.txt')), /is not a folder/);
  t.equal(new DatasetLayoutError('/p', 'why', 'L').code, 'LKR_DATA_LAYOUT');
});

t.test('symlinked class folders are followed (IN-R / IN-O val subsets are symlinks)', async (t) => {
  const src = tree('link_src', ['n01440764/a.jpg']);
  const root = path.join(tmp, 'link_root');
  mkdirSync(root);
  symlinkSync(path.join(src, 'n01440764'), path.join(root, 'n01440764'));
  symlinkSync(path.join(src, 'gone'), path.join(root, 'n01443537')); // broken link: skipped
  t.same(imagenetVal(root).items.map((i) => i.label), [0]);
});
