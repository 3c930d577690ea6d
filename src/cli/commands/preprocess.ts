// `lkrobust preprocess`: the exact model input a model's preprocessing builds from image files, as a float32
// (N, H, W, 3) .npy in [0, 1], rows in the order given, so users can diff it against their own pipeline.
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

import type { Argv } from 'yargs';

import { imageFilesUnder } from '../../data/imagefolder.js';
import { encodeNpy } from '../../data/npy.js';
import { ImageDecodeError, pixelSettings, preprocessInto, type LoadOptions } from '../../data/preprocess.js';
import { findModel } from '../../models/registry.js';
import { Progress } from '../progress.js';

export interface PreprocessArgs {
  model: string;
  out: string;
  images?: string[];
  data?: string;
  limit?: number;
  exifRotate: boolean;
  colorManage: boolean;
  batch: number;
  json: boolean;
}

export class PreprocessArgsError extends Error {
  readonly code = 'LKR_ARG';
  constructor(message: string) {
    super(`preprocess: ${message}`);
    this.name = 'PreprocessArgsError';
  }
}

export function preprocessFiles(args: Pick<PreprocessArgs, 'images' | 'data' | 'limit'>): string[] {
  if (args.images?.length && args.data) throw new PreprocessArgsError('give image files or --data DIR, not both');
  let files = args.data ? imageFilesUnder(args.data, 'a folder of images (searched recursively, ImageFolder order)') : (args.images ?? []);
  if (args.limit !== undefined) {
    if (!Number.isInteger(args.limit) || args.limit < 1) throw new PreprocessArgsError(`--limit: expected a positive integer, received ${args.limit}`);
    files = files.slice(0, args.limit);
  }
  if (!files.length) throw new PreprocessArgsError(args.data ? `no image files under ${args.data}` : 'give image files, or --data DIR');
  return files;
}

/** Writes the .npy batch by batch (header first) to <out>.partial, renamed into place when complete. */
export async function runPreprocess(args: PreprocessArgs): Promise<{ out: string; images: number; shape: number[]; settings: object }> {
  const entry = findModel(args.model);
  const pre = entry.preprocess;
  const files = preprocessFiles(args);
  if (!Number.isInteger(args.batch) || args.batch < 1) throw new PreprocessArgsError(`--batch: expected a positive integer, received ${args.batch}`);
  const opts: LoadOptions = { exifRotate: args.exifRotate, colorManage: args.colorManage };
  const s = pre.inputSize;
  const per = s * s * 3;
  const shape = [files.length, s, s, 3];
  const tmp = `${args.out}.partial`;
  const fd = openSync(tmp, 'w');
  const progress = new Progress('preprocess');
  const t0 = performance.now();
  try {
    writeSync(fd, encodeNpy(shape, new Float32Array(0)));
    for (let i = 0; i < files.length; i += args.batch) {
      const chunk = files.slice(i, i + args.batch);
      const x = new Float32Array(chunk.length * per);
      const res = await preprocessInto(chunk, pre, x, 0, opts);
      const bad = res.findIndex((r) => !r.ok);
      if (bad >= 0) throw new ImageDecodeError(chunk[bad], res[bad].error ?? 'unknown error');
      writeSync(fd, new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
      const done = i + chunk.length;
      progress.update({ done, total: files.length, rate: done / ((performance.now() - t0) / 1000) });
    }
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, args.out);
  return { out: args.out, images: files.length, shape, settings: { model: entry.name, ...pre, ...pixelSettings(pre, opts) } };
}

export const preprocessCommand = {
  command: 'preprocess [images..]',
  describe: "Write the exact model input a model's preprocessing builds (float32 NHWC in [0, 1]) to .npy, to diff against your own pipeline",
  builder: (y: Argv) =>
    y
      .positional('images', { type: 'string', array: true, describe: 'image files, written in this order' })
      .option('model', { type: 'string', demandOption: true, describe: 'whose preprocessing (registry name, see `lkrobust models`)' })
      .option('out', { type: 'string', demandOption: true, describe: 'the .npy to write: float32 (N, H, W, 3), RGB in [0, 1]' })
      .option('data', { type: 'string', describe: 'a folder of images instead of files (recursive, in ImageFolder order)' })
      .option('limit', { type: 'number', describe: 'with --data: only the first N images' })
      .option('exif-rotate', { type: 'boolean', default: false, describe: 'turn images as their EXIF orientation says (Pillow and torchvision do not)' })
      .option('color-manage', { type: 'boolean', default: false, describe: 'convert embedded ICC profiles to sRGB (Pillow and torchvision do not)' })
      .option('batch', { type: 'number', default: 64, describe: 'images decoded per native call' })
      .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON' })
      .epilogue(
        'The pixels are those of Image.open(f).convert("RGB") followed by timm\'s eval transforms ' +
          '(Resize(floor(size / crop_pct)), CenterCrop(size), Pillow resampling) and ToTensor, byte for byte ' +
          '(see docs/DATASETS.md "Pixels"). In Python: x = np.load("x.npy"); x[i] is image i as H x W x 3.',
      )
      .example('$0 preprocess --model resnet50 --out x.npy cat.jpg dog.png', 'two images as (2, 224, 224, 3)')
      .example('$0 preprocess --model convnext_base --data val/ --limit 100 --out x.npy', 'the first 100 images of a folder'),
  handler: async (argv: PreprocessArgs) => {
    const r = await runPreprocess(argv);
    if (argv.json) console.log(JSON.stringify(r, null, 2));
    else console.log(`wrote ${r.out}: float32 (${r.shape.join(', ')}), ${r.images} image(s)`);
  },
};
