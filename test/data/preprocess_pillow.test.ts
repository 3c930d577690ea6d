// The pixel pipeline against Pillow + torchvision/timm (the oracle venv): image files of every mode Pillow's
// convert('RGB') handles (L, LA, P with and without transparency, RGB, RGBA, CMYK JPEG, I;16, 1-bit, 16-bit),
// many sizes (smaller than the crop, odd, 4:3, 16:9, extreme aspect ratios, > 2000 px), EXIF- and ICC-tagged
// files and scikit-image's photographs, through timm's eval transforms at every crop_pct and interpolation of
// the registry and the three crop modes: every byte must be equal.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import t from 'tap';

import { preprocessInto, type PixelPreprocess } from '../../src/data/preprocess.js';
import { MODELS } from '../../src/models/registry.js';
import { ORACLE_SKIP, oraclePython, runOracleIn } from '../helpers/oracle.js';

const SCRIPT = new URL('../oracle/pixels_reference.py', import.meta.url).pathname;
const IMAGENET: [number, number, number] = [0.485, 0.456, 0.406];

interface Transform {
  size: number;
  crop_pct: number;
  interpolation: string;
  crop_mode: 'center' | 'squash' | 'border';
  mean?: [number, number, number];
}

// Every (interpolation, crop_pct) of the registry at 224, the registry's other sizes, the other crop modes.
const registryPairs = [...new Set(MODELS.map((m) => `${m.preprocess.interpolation} ${m.preprocess.cropPct}`))];
const TRANSFORMS: Transform[] = [
  { size: 224, crop_pct: 0.875, interpolation: 'bilinear', crop_mode: 'center' },
  { size: 224, crop_pct: 0.875, interpolation: 'bicubic', crop_mode: 'center' },
  ...['bilinear', 'bicubic'].flatMap((interpolation) =>
    [0.9, 1.0].map((crop_pct) => ({ size: 224, crop_pct, interpolation, crop_mode: 'center' as const })),
  ),
  { size: 320, crop_pct: 0.875, interpolation: 'bicubic', crop_mode: 'center' },
  { size: 384, crop_pct: 1.0, interpolation: 'bicubic', crop_mode: 'squash' }, // RepLKNet-31L's warp
  { size: 224, crop_pct: 0.875, interpolation: 'bicubic', crop_mode: 'border', mean: IMAGENET },
  { size: 224, crop_pct: 0.9, interpolation: 'bilinear', crop_mode: 'squash' },
  { size: 224, crop_pct: 0.875, interpolation: 'lanczos', crop_mode: 'center' },
];

interface Case {
  file: string;
  transform: number;
  expected: string;
  mode: string;
}

if (!oraclePython()) {
  t.skip(ORACLE_SKIP);
} else {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lkr-pixels-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // Every image under both 0.875 transforms; the others rotate over the images.
  await runOracleIn(dir, SCRIPT, { generate: true, skimage: true, stride: 2, transforms: TRANSFORMS, every: [0, 1], rotate: [2, 3, 4, 5, 6, 7, 8, 9, 10] });
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { cases: Case[]; libjpeg_turbo: string };

  const pre = (tr: Transform): PixelPreprocess => ({
    inputSize: tr.size,
    cropPct: tr.crop_pct,
    interpolation: tr.interpolation as PixelPreprocess['interpolation'],
    cropMode: tr.crop_mode,
    mean: tr.mean ?? IMAGENET,
  });

  // Runs every case through our pipeline, one batch per transform; returns the cases that differ.
  const mismatches = async (cases: Case[]) => {
    const bad: string[] = [];
    for (let ti = 0; ti < TRANSFORMS.length; ti++) {
      const mine = cases.filter((c) => c.transform === ti);
      if (!mine.length) continue;
      const s = TRANSFORMS[ti].size;
      const per = s * s * 3;
      const out = new Uint8Array(mine.length * per);
      const res = await preprocessInto(mine.map((c) => path.join(dir, 'in', c.file)), pre(TRANSFORMS[ti]), out, 0);
      mine.forEach((c, k) => {
        if (!res[k].ok) return void bad.push(`${c.file} [${ti}]: ${res[k].error}`);
        const want = readFileSync(path.join(dir, 'expected', c.expected));
        let n = 0;
        let max = 0;
        for (let i = 0; i < per; i++) {
          const d = Math.abs(want[i] - out[k * per + i]);
          if (d) n++;
          max = Math.max(max, d);
        }
        if (n) bad.push(`${c.file} (${c.mode}) [${JSON.stringify(TRANSFORMS[ti])}]: ${n} bytes differ, max ${max}`);
        else if (res[k].mode !== c.mode && !(c.mode === '1' && res[k].mode === 'L')) bad.push(`${c.file}: mode ${res[k].mode}, Pillow ${c.mode}`);
      });
    }
    return bad;
  };

  t.test('every registry (interpolation, crop_pct) is among the tested transforms', async (t) => {
    for (const p of registryPairs) t.ok(TRANSFORMS.some((tr) => `${tr.interpolation} ${tr.crop_pct}` === p), p);
  });

  t.test('generated images of every mode and many sizes: byte-identical to torchvision + Pillow', async (t) => {
    const cases = manifest.cases.filter((c) => !c.file.startsWith('skimage_'));
    t.ok(cases.length >= 300, `${cases.length} cases`);
    const modes = new Set(cases.map((c) => c.mode));
    for (const m of ['L', 'LA', 'P', 'RGB', 'RGBA', 'CMYK', 'I;16', '1']) t.ok(modes.has(m), `mode ${m} tested`);
    t.same(await mismatches(cases), [], `Pillow's libjpeg-turbo ${manifest.libjpeg_turbo}`);
  });

  t.test("scikit-image's photographs (PNG and JPEG files, and as Pillow q85 JPEGs): byte-identical", async (t) => {
    const cases = manifest.cases.filter((c) => c.file.startsWith('skimage_'));
    t.ok(cases.length >= 40, `${cases.length} cases`);
    t.same(await mismatches(cases), []);
  });

  t.test('issue 22 defect 7: RGBA images keep the RGB of fully transparent pixels, as convert("RGB")', async (t) => {
    const cases = manifest.cases.filter((c) => c.mode === 'RGBA' || c.mode === 'LA');
    t.ok(cases.length >= 10, `${cases.length} cases`);
    t.same(await mismatches(cases), []);
  });
}
