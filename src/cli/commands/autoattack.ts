// `lkrobust attack --attack autoattack`: AutoAttack (APGD-CE, APGD-T, FAB-T, Square; versions standard, plus,
// rand, custom) over an ImageFolder, with the reference's sanity checks as flags, robust accuracy after each
// attack, per-image records, resume after a kill at attack granularity, shards (`lkrobust merge` joins them).
import path from 'node:path';

import type { Argv } from 'yargs';

import { imageFolder } from '../../data/layouts.js';
import { limitItems, parseShard, shardItems } from '../../data/select.js';
import { Model, sha256File } from '../../models/model.js';
import { toCsv } from '../../report/csv.js';
import { RunDir } from '../../report/run_dir.js';
import { AA_ATTACKS, AA_VERSIONS, type AaAttack, type AaVersion, autoAttackConfig } from '../../robustness/attacks/autoattack.js';
import { type AaItem, type AaRecord, runAutoAttack } from '../../robustness/attacks/autoattack_run.js';
import { NORMS, type Norm } from '../../robustness/attacks/lp.js';
import { RANDOM_STREAMS, type RandomStream } from '../../robustness/attacks/random_start.js';
import { gracefulStop } from '../graceful_stop.js';
import { Progress } from '../progress.js';
import { modelOptionsFrom, resolveWeightsFile } from './model_args.js';

export interface AutoAttackArgs {
  model: string[] | string;
  weights: string[] | string;
  entry?: string;
  kernelSize?: number;
  device?: string;
  eps: string;
  norm: Norm;
  version: AaVersion;
  attacks?: string;
  iterations?: number;
  queries?: number;
  data: string;
  limit?: number;
  batch: number;
  shard?: string;
  out?: string;
  json: boolean;
  seed: number;
  randomStream?: RandomStream;
  surrogate?: string;
}

/** "4/255" or "0.0157": one budget. */
export function parseEps(text: string | number): number {
  const s = String(text).trim();
  const m = /^([^/]+)\/([^/]+)$/.exec(s);
  const v = m ? Number(m[1]) / Number(m[2]) : Number(s);
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`--eps: AutoAttack takes one budget > 0 (e.g. 4/255 or 0.5), received "${text}"`);
  return v;
}

const one = (v: string[] | string | undefined, what: string): string => {
  const a = v === undefined ? [] : Array.isArray(v) ? v : [v];
  if (a.length !== 1) throw new RangeError(`${what}: AutoAttack is white-box on one model, received ${a.length}`);
  return a[0];
};

export async function autoAttackMain(argv: AutoAttackArgs, log: (s: string) => void = (s) => process.stderr.write(s + '\n')) {
  if (argv.surrogate) throw new RangeError('--surrogate: AutoAttack is a white-box evaluation (no transfer)');
  const name = one(argv.model, '--model');
  const weights = await resolveWeightsFile(name, one(argv.weights, '--weights'), { json: argv.json });
  if (!NORMS.includes(argv.norm)) throw new RangeError(`--norm: expected Linf or L2, received ${argv.norm}`);
  const eps = parseEps(argv.eps);
  const attacks = argv.attacks !== undefined ? (String(argv.attacks).split(',').map((s) => s.trim()).filter(Boolean) as AaAttack[]) : undefined;
  const cfg = autoAttackConfig(argv.version, argv.norm, eps, argv.seed, { attacks, iterations: argv.iterations, queries: argv.queries, randomStream: argv.randomStream });
  if (!Number.isInteger(argv.batch) || argv.batch < 1) throw new RangeError(`--batch: expected an integer ≥ 1, received ${argv.batch}`);

  const shard = argv.shard ? parseShard(argv.shard) : undefined;
  const ds = imageFolder(argv.data);
  const limited = argv.limit !== undefined ? limitItems(ds.items, argv.limit) : ds.items;
  const indexed: AaItem[] = limited.map((it, i) => ({ path: it.path, label: it.label, i }));
  const items = shard ? shardItems(indexed, shard) : indexed;

  const model = new Model(name, modelOptionsFrom(argv));
  model.loadWeights(weights, argv.entry ? { entry: argv.entry } : {});
  if (model.entry.numClasses < 1) throw new RangeError(`${name} has no classifier head: attacks need class logits`);
  const sha = await sha256File(weights);
  const out = argv.out ?? path.join('runs', `${name}-autoattack-${cfg.version}-${cfg.norm}${shard ? `-shard${shard.index}of${shard.count}` : ''}`);
  const config = {
    model: name,
    model_config: model.config,
    weights_sha256: sha,
    attack: 'autoattack',
    autoattack: cfg,
    data: path.resolve(argv.data),
    batch: argv.batch,
    limit: argv.limit ?? null,
    shard: argv.shard ?? null,
  };
  const run = new RunDir<AaRecord>(out, config);
  const stop = gracefulStop(log, 'attack');
  const progress = new Progress(`autoattack ${cfg.version} ${name}`, { plain: argv.json });
  log(`lkrobust: AutoAttack ${cfg.version} (${cfg.attacks.join(', ')}), ${cfg.norm} ε = ${eps}, ${items.length} images, batch ${argv.batch}, results in ${out}`);
  for (const w of streamWarnings(cfg.randomStream, items.length, argv.batch, shard !== undefined)) log(`lkrobust: warning: ${w}`);
  let r;
  try {
    r = await runAutoAttack(model, model.entry.preprocess, items, cfg, run, {
      batchSize: argv.batch,
      shouldStop: stop.requested,
      onProgress: (p) => progress.update({ done: p.done, total: p.total, rate: p.imagesPerSecond, note: p.stage }),
    });
  } finally {
    stop.release();
  }
  for (const s of r.log) log(s.attack === 'clean' ? `initial accuracy: ${(100 * s.robust_accuracy).toFixed(2)}%` : `robust accuracy after ${s.attack.toUpperCase()}: ${(100 * s.robust_accuracy).toFixed(2)}% (${s.broken} of ${s.attacked} broken)`);
  const warnings = flagWarnings(r.flags);
  for (const w of warnings) log(`lkrobust: warning: ${w}`);
  const results = {
    model: name,
    attack: 'autoattack',
    version: cfg.version,
    attacks: cfg.attacks,
    norm: cfg.norm,
    eps,
    seed: cfg.seed,
    random_stream: cfg.randomStream,
    clean_accuracy: r.clean_accuracy,
    robust_accuracy: r.robust_accuracy,
    log: r.log,
    flags: r.flags,
    warnings,
    config,
    weights_sha256: sha,
    complete: r.complete,
    images: r.images.length,
    per_image: r.images,
    failed_images: r.failed,
    data: { root: path.resolve(argv.data), label_space: ds.labelSpace, classes: ds.classes.length, images: items.length },
    notes: notesOf(cfg),
    timing: r.timing,
  };
  run.write('results.json', JSON.stringify(results, null, 2) + '\n');
  run.write('results.csv', toCsv(r.log as unknown as Record<string, unknown>[]));
  if (!r.complete) log('lkrobust: stopped early: results.json holds what finished (complete: false); rerun to resume');
  return { results, out };
}

export function notesOf(cfg: { version: string; attacks: readonly string[]; randomStream?: RandomStream }): string[] {
  const notes = [
    cfg.randomStream === 'torch'
      ? "APGD's random starts: the reference's torch stream (torch.manual_seed(seed) per batch and attack, torch.rand of the batch's images still robust), reproducing its verdicts per image when all images fit one batch; FAB-T and Square: a stream per image (seed, image index)"
      : 'random starts, restarts, Square proposals: a stream per image (seed, image index), so results do not depend on batching, shards or resuming; the reference draws from one torch stream per batch (--random-stream torch reproduces it)',
  ];
  if (cfg.version === 'plus') notes.push("'plus' here lacks the reference's untargeted FAB (lkrobust has FAB-T only)");
  return notes;
}

/**
 * In torch mode, why the draws may still differ from the reference's: it regroups the images still robust into new
 * batches before each attack, while lkrobust's batches are fixed chunks of the image list (resumable). The two
 * are the same batches only when every image fits one.
 */
export function streamWarnings(stream: RandomStream, images: number, batch: number, sharded: boolean): string[] {
  if (stream !== 'torch') return [];
  const w: string[] = [];
  if (images > batch) w.push(`--random-stream torch: ${images} images in batches of ${batch}: the reference regroups the images still robust into new batches before each attack, so from the second batch on the draws differ from its (use --batch ≥ ${images} to reproduce it image by image)`);
  if (sharded) w.push('--random-stream torch with --shard: each shard is batched apart, unlike one reference run over all images');
  return w;
}

export function flagWarnings(f: { randomized: boolean; softmax_output: boolean; dynamic: boolean; n_classes: string | null; zero_gradient: number; square_better: boolean }): string[] {
  const w: string[] = [];
  if (f.randomized) w.push('the model looks randomised (outputs differ between passes): use --version rand');
  if (f.softmax_output) w.push('the outputs look like probabilities: attack the logits');
  if (f.n_classes) w.push(f.n_classes);
  if (f.zero_gradient) w.push(`${f.zero_gradient} image(s) had an all-zero DLR gradient: the evaluation may be unreliable (gradient masking)`);
  if (f.square_better) w.push('Square (black-box) broke images the gradient attacks did not: the gradient-based evaluation may be unreliable');
  return w;
}

export function formatAutoAttack(results: { log: { attack: string; robust_accuracy: number; attacked: number; broken: number }[] }): string {
  const lines = [['attack', 'robust accuracy', 'broken/attacked'], ...results.log.map((s) => [s.attack, (100 * s.robust_accuracy).toFixed(2) + '%', s.attack === 'clean' ? '' : `${s.broken}/${s.attacked}`])];
  const w = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  return lines.map((l) => l.map((c, i) => c.padStart(w[i])).join('  ').trimEnd()).join('\n');
}

/** The AutoAttack options of `lkrobust attack`. */
export function autoAttackOptions<T>(y: Argv<T>) {
  return y
    .version(false)
    .option('version', { choices: AA_VERSIONS, default: 'standard' as AaVersion, describe: 'autoattack: standard (APGD-CE, APGD-T, FAB-T, Square 5000), plus, rand (APGD-CE/-DLR with EOT 20), custom (--attacks)' })
    .option('attacks', { type: 'string', describe: `autoattack --version custom: comma-separated, of ${AA_ATTACKS.join(', ')}` })
    .option('norm', { choices: NORMS, default: 'Linf' as Norm, describe: 'autoattack: threat model, ε in this norm (pixel units)' })
    .option('iterations', { type: 'number', describe: 'autoattack: iterations of APGD, APGD-T and FAB (default 100, the reference\'s)' })
    .option('queries', { type: 'number', describe: 'autoattack: Square\'s queries per image (default 5000)' })
    .option('random-stream', {
      choices: RANDOM_STREAMS,
      default: 'per-image' as RandomStream,
      describe:
        "autoattack: APGD's random starts. per-image: a stream per (seed, image), results independent of --batch, shards and resuming. torch: the reference's own draws (torch.manual_seed(seed), torch.rand per batch), to reproduce its numbers image by image; exact when --batch holds all images (the reference's bs)",
    })
    .example('$0 attack --attack autoattack --model resnet50 --weights r50.safetensors --eps 4/255 --data ~/imagenet/val --limit 1000', 'AutoAttack standard, L∞ 4/255')
    .example('$0 attack --attack autoattack --model resnet50 --weights r50.safetensors --eps 4/255 --data val --limit 500 --batch 500 --random-stream torch', "the reference's random starts, bs 500: its verdicts image by image")
    .example('$0 attack --attack autoattack --version custom --attacks apgd-ce,apgd-t --norm L2 --eps 0.5 --model resnet50 --weights r50.safetensors --data val', 'APGD-CE then APGD-T, L2 0.5');
}
