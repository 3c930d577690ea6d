// `lkrobust corrupt`: ImageNet-C made from any image folder, in the released layout, resumable.
import type { Argv } from 'yargs';

import { gracefulStop } from '../graceful_stop.js';
import { frostFromDir, proceduralFrost } from '../../corrupt/frost.js';
import { parseCorruptions, parseSeverities, CorruptionArgError } from '../../corrupt/params.js';
import { RELEASED_LAYOUT, runCorrupt } from '../../corrupt/writer.js';
import { IMAGENET_P_LAYOUT, parsePerturbations, runPerturb } from '../../corrupt/perturb.js';
import type { OutputFormat } from '../../corrupt/jobs.js';
import { Progress } from '../progress.js';

export interface CorruptArgs {
  data: string;
  out: string;
  corruptions: string;
  severities: string;
  seed: number;
  size: number;
  format: OutputFormat;
  frostDir?: string;
  batch: number;
  limit?: number;
  perturbations?: string;
  json: boolean;
}

export async function corruptMain(argv: CorruptArgs, log: (s: string) => void = (s) => process.stderr.write(s + '\n')) {
  if (!Number.isInteger(argv.seed) || argv.seed < 0) throw new CorruptionArgError(`--seed: expected a non-negative integer, received ${argv.seed}`);
  if (!Number.isInteger(argv.size) || argv.size < 8) throw new CorruptionArgError(`--size: expected an integer >= 8, received ${argv.size}`);
  if (!Number.isInteger(argv.batch) || argv.batch < 1) throw new CorruptionArgError(`--batch: expected a positive integer, received ${argv.batch}`);
  if (argv.perturbations !== undefined) return perturbMain(argv, log);
  const corruptions = parseCorruptions(argv.corruptions);
  const severities = parseSeverities(argv.severities);
  const frost = argv.frostDir ? await frostFromDir(argv.frostDir, argv.size) : proceduralFrost(argv.size);
  const stop = gracefulStop(log);
  const progress = new Progress('corrupt', { plain: argv.json });
  log(`lkrobust: ${corruptions.length} corruption(s) x ${severities.length} severit${severities.length === 1 ? 'y' : 'ies'} into ${argv.out} (frost: ${frost.kind})`);
  const r = await runCorrupt({
    data: argv.data,
    out: argv.out,
    corruptions,
    severities,
    seed: argv.seed,
    size: argv.size,
    format: argv.format,
    frost,
    batch: argv.batch,
    limit: argv.limit,
    shouldStop: stop.requested,
    onProgress: (p) => progress.update({ done: p.done, total: p.total, rate: p.rate, note: `${p.written} written` }),
  });
  stop.release();
  if (r.failed.length) log(`lkrobust: ${r.failed.length} unreadable image(s) skipped (listed in manifest.json failed_images), e.g. ${r.failed[0].error}`);
  if (!r.complete && !r.failed.length) log('lkrobust: stopped early; rerun the same command to finish the set (files already written are kept)');
  return r;
}

/** `--perturbations`: ImageNet-P frame sequences instead of ImageNet-C. */
async function perturbMain(argv: CorruptArgs, log: (s: string) => void) {
  if (argv.corruptions !== 'all' || argv.severities !== '1..5' || argv.frostDir !== undefined || argv.format !== 'jpeg') {
    throw new CorruptionArgError('--perturbations writes ImageNet-P (PNG frames); --corruptions, --severities, --format and --frost-dir apply to ImageNet-C only');
  }
  const perturbations = parsePerturbations(argv.perturbations!);
  const stop = gracefulStop(log, 'sequences');
  const progress = new Progress('perturb', { plain: argv.json });
  log(`lkrobust: ${perturbations.length} perturbation(s) into ${argv.out} (${IMAGENET_P_LAYOUT})`);
  const r = await runPerturb({
    data: argv.data, out: argv.out, perturbations, seed: argv.seed, size: argv.size, limit: argv.limit,
    shouldStop: stop.requested,
    onProgress: (p) => progress.update({ done: p.done, total: p.total, rate: p.rate, note: `${p.written} sequences written` }),
  });
  stop.release();
  if (r.failed.length) log(`lkrobust: ${r.failed.length} unreadable image(s) skipped (listed in manifest.json failed_images), e.g. ${r.failed[0].error}`);
  return r;
}

export const corruptCommand = {
  command: 'corrupt',
  describe: 'Make ImageNet-C (19 corruptions x 5 severities) from any image folder, in the released layout; resumable',
  builder: (y: Argv) =>
    y
      .usage(
        '$0 corrupt --data DIR --out DIR [options]\n\n' +
          'Reads an ImageFolder tree (<class>/<image>, e.g. ImageNet val), resizes the shorter side to 256\n' +
          'and centre-crops --size (an image already at --size is used as is), corrupts it and writes\n' +
          `${RELEASED_LAYOUT} as the released sets did: JPEG quality 85\n` +
          '(or --format png, lossless). Parameters: data/corruption_params.json.\n\n' +
          'Every random draw comes from a stream keyed by (seed, corruption, severity, image path): the same\n' +
          'seed gives the same bytes on every run and thread count. A rerun skips finished files and completes\n' +
          'the set (resume after a kill). frost blends texture images: procedural ones of ours by default (a\n' +
          "substitute for the generator's photographs), or your own with --frost-dir; manifest.json records\n" +
          'which, with the seed and settings.\n\n' +
          `--perturbations writes ImageNet-P instead: ${IMAGENET_P_LAYOUT},\n` +
          '31 frames (translate 41) per image and perturbation, as PNG (the frames the released videos decode\n' +
          'to); the noises also come as <name>_2 and <name>_3. See docs/CORRUPTIONS.md.',
      )
      .option('data', { type: 'string', demandOption: true, describe: 'source ImageFolder (<class>/<image>)' })
      .option('out', { type: 'string', demandOption: true, describe: 'output folder (rerun to resume)' })
      .option('corruptions', { type: 'string', default: 'all', describe: "comma list of corruption names, or 'all' (the 19)" })
      .option('severities', { type: 'string', default: '1..5', describe: 'severities: 1..5, 2..4 or 1,3,5' })
      .option('seed', { type: 'number', default: 0, describe: 'seed of the random corruptions (non-negative integer)' })
      .option('size', { type: 'number', default: 224, describe: 'output side in pixels (224 as released)' })
      .option('format', { choices: ['jpeg', 'png'] as const, default: 'jpeg' as const, describe: 'jpeg: quality 85 as released; png: lossless' })
      .option('frost-dir', { type: 'string', describe: 'folder of frost texture images to use instead of the procedural ones' })
      .option('batch', { type: 'number', default: 32, describe: 'images per native call' })
      .option('limit', { type: 'number', describe: 'only the first N source images' })
      .option('perturbations', { type: 'string', describe: "ImageNet-P instead: comma list of perturbations, or 'all' (the 14)" })
      .option('json', { type: 'boolean', default: false, describe: 'print the summary as JSON; plain progress lines' })
      .example('$0 corrupt --data ~/imagenet/val --out ~/imagenet-c', 'the full 19 x 5 set')
      .example('$0 corrupt --data val --out c --corruptions fog,snow --severities 3 --format png --seed 7', 'two corruptions at severity 3, lossless')
      .example('$0 corrupt --data ~/imagenet/val --out ~/imagenet-p --perturbations all', 'ImageNet-P frame sequences'),
  handler: async (argv: CorruptArgs) => {
    const r = await corruptMain(argv);
    if (argv.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    else process.stdout.write(`${r.written} written, ${r.skippedExisting} already there, ${r.failed.length} failed in ${r.seconds.toFixed(1)} s${r.complete ? '' : ' (incomplete: rerun to finish)'}\n`);
    if (!r.complete) process.exitCode = 1;
  },
};
