// `lkrobust ablate kernel-size`: the paper's kernel-size ablation on the engine — one model per kernel size,
// trained by `train`'s code with every other setting and the seed identical, then the robustness measurements on
// each, written as one table (results.json, results.csv, report.html). Rerunning continues where it stopped.
import { readFileSync } from 'node:fs';

import type { Argv } from 'yargs';

import { CORRUPTIONS, type CorruptionName, parseCorruptions, parseSeverities } from '../../corrupt/params.js';
import { ABLATE_FAMILIES, type AblateFamily, ablateError, checkSizesFit, DEFAULT_CONFIG, FAMILY_MODEL, parseSizes } from '../../train/ablate/settings.js';
import { runAblation } from '../../train/ablate/run.js';
import type { RobustnessOptions } from '../../train/ablate/robustness.js';
import { loadSplit } from '../../train/data.js';
import { checkSchedule } from '../../train/schedule.js';
import { gracefulStop } from '../graceful_stop.js';
import { Progress } from '../progress.js';
import { parseNumberList } from './attack.js';
import { trainArgs, trainConfigFrom, type TrainArgs } from './train.js';

export interface AblateArgs extends TrainArgs {
  what: 'kernel-size';
  family: AblateFamily;
  sizes: string;
  corruptions: string;
  severities: string;
  occlusionRatios: string;
  pgdEps: string;
  pgdSteps: number;
  bands: string;
  bandEps: number;
  evalBatch: number;
}

/** 'mce': the 15 benchmark corruptions (the first 15 in the generator's order); 'none': no corruption cells. */
function corruptionsFrom(text: string): CorruptionName[] {
  const t = text.trim();
  if (t === 'none') return [];
  return t === 'mce' ? CORRUPTIONS.slice(0, 15) : parseCorruptions(t);
}

const orEmpty = (text: string, what: string) => (text.trim() === 'none' ? [] : parseNumberList(text, what));

function robustnessFrom(argv: AblateArgs): RobustnessOptions {
  if (!Number.isInteger(argv.pgdSteps) || argv.pgdSteps < 1) throw ablateError(`--pgd-steps: expected an integer >= 1, received ${argv.pgdSteps}`);
  if (!Number.isInteger(argv.evalBatch) || argv.evalBatch < 1) throw ablateError(`--eval-batch: expected an integer >= 1, received ${argv.evalBatch}`);
  return {
    corruptions: corruptionsFrom(argv.corruptions),
    severities: parseSeverities(argv.severities),
    occlusionRatios: orEmpty(argv.occlusionRatios, '--occlusion-ratios'),
    // The paper drops 16-pixel patches of a 224 image (a 14×14 grid); the same grid at this size.
    patch: Math.max(1, Math.floor(argv.size / 14)),
    pgdEps: orEmpty(argv.pgdEps, '--pgd-eps'),
    pgdSteps: argv.pgdSteps,
    bands: orEmpty(argv.bands, '--bands'),
    bandEps: argv.bandEps,
    seed: argv.seed,
    batch: argv.evalBatch,
  };
}

export async function ablateMain(argv: AblateArgs): Promise<void> {
  const log = (s: string) => process.stderr.write(`lkrobust ablate: ${s}\n`);
  if (argv.kernelSize !== undefined) throw ablateError('--kernel-size: the ablation sets the kernel size itself; give the sizes with --sizes');
  const sizes = parseSizes(argv.sizes);
  checkSizesFit(sizes, argv.size);
  const train = trainConfigFrom({ ...argv, model: FAMILY_MODEL[argv.family], config: argv.config ?? JSON.stringify(DEFAULT_CONFIG[argv.family]) });
  checkSchedule({ lr: train.lr, totalSteps: 2, warmupSteps: 0, warmupLrInit: 0, lrMin: train.lrMin });
  const plan = { family: argv.family, sizes, train, robustness: robustnessFrom(argv) };
  const trainSet = await loadSplit(argv.data, 'train', argv.size, argv.limitPerClass);
  const valSet = await loadSplit(argv.data, 'val', argv.size, argv.limitPerClass);
  if (valSet.classes.join('/') !== trainSet.classes.join('/')) throw ablateError(`${argv.data}: train/ and val/ have different class folders`);
  const stop = gracefulStop((s) => log(s));
  try {
    const r = await runAblation(plan, trainSet, valSet, argv.out, {
      log,
      stop: stop.requested,
      trainEvents: (k) => {
        let bar: Progress | null = null;
        return {
          stop: stop.requested,
          onResume: (e) => log(`kernel ${k}: resuming after epoch ${e}`),
          onBatch: (p) => {
            bar ??= new Progress(`k${k} epoch ${p.epoch + 1}/${train.epochs}`);
            bar.update({ done: p.done, total: p.total, rate: p.imagesPerSecond, note: `loss ${p.loss.toFixed(4)}` });
          },
          onEpoch: (e) => {
            bar = null;
            log(`kernel ${k}: epoch ${e.epoch} train loss ${e.trainLoss.toFixed(4)}, val acc ${e.valAcc === null ? '-' : (100 * e.valAcc).toFixed(2) + '%'}`);
          },
        };
      },
    });
    if (r.stopped) {
      log(`stopped; rerun the same command to continue (${r.trained} model(s) trained, ${r.cellsRun} cell(s) measured so far)`);
      return;
    }
    log(`${r.trained} model(s) trained, ${r.cellsRun} cell(s) measured by this run; table in ${r.resultsFile}, results.csv, report.html`);
    if (argv.json) process.stdout.write(JSON.stringify((JSON.parse(readFileSync(r.resultsFile!, 'utf8')) as { rows: unknown }).rows, null, 2) + '\n');
  } finally {
    stop.release();
  }
}

export const ablateCommand = {
  command: 'ablate <what>',
  describe: "The paper's kernel-size ablation: train one model per kernel size (all else identical), measure robustness, write one table; rerun to resume",
  builder: (y: Argv) =>
    trainArgs(y)
      .option('kernel-size', { type: 'number', hidden: true }) // set per model from --sizes
      .positional('what', { choices: ['kernel-size'] as const, describe: 'what to ablate' })
      .option('family', { choices: ABLATE_FAMILIES, demandOption: true, describe: 'convnext (kernel_size of every block) or replknet (the large kernel of every stage)' })
      .option('sizes', { type: 'string', default: '3,7,13,31', describe: 'odd kernel sizes; the smallest is the baseline of mCE. The largest must be smaller than the first stage map (--size / 4)' })
      .option('size', { type: 'number', default: 128, describe: 'image side for training and evaluation (the first stage map is size / 4: 32 at 128, room for a 31 kernel)' })
      .option('out', { type: 'string', demandOption: true, describe: 'folder: plan.json, models/k<K>/ (train runs), cells/, results.json, results.csv, report.html' })
      .option('corruptions', { type: 'string', default: 'mce', describe: "ImageNet-C corruptions made from the val split by `corrupt`'s kernels: mce (the 15 of mCE), all (the 19), none, or a comma list" })
      .option('severities', { type: 'string', default: '1..5', describe: 'corruption severities: 1..5, 2..4 or 1,3,5' })
      .option('occlusion-ratios', { type: 'string', default: '0.2,0.4,0.6,0.8', describe: "random occlusion drop ratios ('none' to skip); a 14×14 patch grid as the paper's 16 px of 224. Salient occlusion needs DINO at 224 px and is not run" })
      .option('pgd-eps', { type: 'string', default: '1/255,2/255,4/255', describe: "PGD L∞ budgets in pixel units ('none' to skip)" })
      .option('pgd-steps', { type: 'number', default: 5, describe: 'PGD steps (α = ε/4, random start), as `attack pgd`' })
      .option('bands', { type: 'string', default: '0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9', describe: "band-limited noise: band lower edges (×π, width 0.1π; 'none' to skip)" })
      .option('band-eps', { type: 'number', default: 0.1, describe: 'band-limited noise: sign-noise amplitude before band-passing, pixel units' })
      .option('eval-batch', { type: 'number', default: 64, describe: 'images per engine call in the robustness measurements' })
      .option('json', { type: 'boolean', default: false, describe: 'print the table rows as JSON' })
      .example('$0 data fashion-mnist --out data/fm128 --size 128', 'the data (Debian dataset-fashion-mnist)')
      .example('$0 ablate kernel-size --family convnext --sizes 3,7,13,31 --data data/fm128 --epochs 10 --out runs/ablate-cnx', "Table 5 style: four ConvNeXts at 128 px, the paper's robustness measurements")
      .example("$0 ablate kernel-size --family replknet --sizes 3,7 --size 32 --epochs 1 --corruptions gaussian_noise,fog --severities 3 --data data/fm32 --out runs/quick", 'a quick look: two kernels, two corruptions at one severity')
      .epilogue('Every other setting (graph, optimiser, schedule, augmentation, seed) is the same for each size; rerunning the same command skips finished models and measurements. docs/TRAINING.md, "The kernel-size ablation".'),
  handler: (argv: AblateArgs) => ablateMain(argv),
};
