// `lkrobust attack`: FGSM / PGD / TAIG-S / TAIG-R over an ImageFolder (ImageNet val layout), white-box or
// transferred from a surrogate; sweeps over ε and steps; resumable and shardable like `eval`.
import path from 'node:path';

import type { Argv } from 'yargs';

import { gracefulStop } from '../graceful_stop.js';
import { imageFolder } from '../../data/layouts.js';
import { limitItems, parseShard, shardItems } from '../../data/select.js';
import { Model, sha256File } from '../../models/model.js';
import { toCsv } from '../../report/csv.js';
import { RunDir } from '../../report/run_dir.js';
import { ATTACKS, type AttackItem, type AttackName, type AttackPlan, type AttackRecord, defaultSteps, runAttack, type Scorer } from '../../robustness/attacks/run.js';
import { TAIG_DEFAULTS } from '../../robustness/attacks/taig.js';
import { PROTOCOLS, type Protocol, releasedAttack } from '../../robustness/released/protocol.js';
import { readSelectedImagesCsv, releasedScoringInput, releasedUint8 } from '../../robustness/released/taig_io.js';
import { Progress } from '../progress.js';
import { type AutoAttackArgs, autoAttackMain, autoAttackOptions, formatAutoAttack } from './autoattack.js';
import { modelOptionsFrom, resolveWeightsFile, WEIGHTS_HELP } from './model_args.js';

export interface AttackArgs {
  model: string[];
  weights: string[];
  entry?: string;
  kernelSize?: number;
  attack: AttackName;
  eps: string;
  steps?: string;
  alpha?: string;
  epsSpace: 'pixel' | 'normalized';
  randomStart: boolean;
  points: number;
  pointsPerCall: number;
  surrogate?: string;
  surrogateWeights?: string;
  data: string;
  limit?: number;
  batch: number;
  shard?: string;
  out?: string;
  json: boolean;
  seed: number;
  /** paper (default) or released: the released LKRobust scripts' loaders, normalisation, TAIG save and scoring. */
  protocol?: Protocol;
  /** A released-format image list (class_index,wnid,image_name), e.g. TAIG's selected_images.csv, read from --data. */
  imagesCsv?: string;
}

/** "0.002,0.004", "8/255,16/255": a list of finite numbers (fractions allowed). */
export function parseNumberList(text: string | number, what: string): number[] {
  const parts = String(text).split(',').map((s) => s.trim()).filter(Boolean);
  if (!parts.length) throw new RangeError(`${what}: expected a comma-separated list of numbers, received "${text}"`);
  return parts.map((p) => {
    const m = /^([^/]+)\/([^/]+)$/.exec(p);
    const v = m ? Number(m[1]) / Number(m[2]) : Number(p);
    if (!Number.isFinite(v)) throw new RangeError(`${what}: "${p}" is not a number (e.g. 0.004 or 8/255)`);
    return v;
  });
}

/** A released-format list as an ImageFolder-like dataset (labels = the listed ImageNet-1k class indices). */
function listedImages(csv: string, valDir: string) {
  const items = readSelectedImagesCsv(csv, valDir);
  return { items, labelSpace: 'imagenet-1k' as const, classes: [...new Set(items.map((i) => i.label))] };
}

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export async function attackMain(argv: AttackArgs, log: (s: string) => void = (s) => process.stderr.write(s + '\n')) {
  const models = asList(argv.model);
  const given = asList(argv.weights);
  const weights = given.length === models.length ? await Promise.all(given.map((w, k) => resolveWeightsFile(models[k], w, { json: argv.json }))) : given;
  if (argv.surrogate && argv.surrogateWeights) argv = { ...argv, surrogateWeights: await resolveWeightsFile(argv.surrogate, argv.surrogateWeights, { json: argv.json }) };
  if (models.length !== weights.length) throw new RangeError(`--model and --weights: expected one weights file per model, received ${models.length} model(s) and ${weights.length} file(s)`);
  if (!models.length) throw new RangeError('--model: name at least one model');
  if (Boolean(argv.surrogate) !== Boolean(argv.surrogateWeights)) throw new RangeError('--surrogate and --surrogate-weights go together');
  if (!argv.surrogate && models.length > 1) throw new RangeError('several --model targets need --surrogate (a white-box attack has one model)');
  const eps = parseNumberList(argv.eps, '--eps');
  for (const e of eps) if (e < 0) throw new RangeError(`--eps: expected values ≥ 0, received ${e}`);
  const steps = argv.steps !== undefined ? parseNumberList(argv.steps, '--steps') : defaultSteps(argv.attack);
  for (const s of steps) if (!Number.isInteger(s) || s < 1) throw new RangeError(`--steps: expected integers ≥ 1, received ${s}`);
  if (new Set(steps).size !== steps.length) throw new RangeError(`--steps: repeated values in ${steps.join(',')}`);
  if (argv.attack === 'fgsm' && (steps.length !== 1 || steps[0] !== 1)) throw new RangeError('--steps: FGSM is one step (leave --steps out)');
  const alpha = argv.alpha !== undefined ? parseNumberList(argv.alpha, '--alpha') : null;
  if (alpha && alpha.length !== 1 && alpha.length !== eps.length) throw new RangeError(`--alpha: expected one value or one per ε (${eps.length}), received ${alpha.length}`);
  if (argv.attack === 'fgsm' && alpha) throw new RangeError('--alpha: FGSM steps by ε itself');
  if (!Number.isInteger(argv.batch) || argv.batch < 1) throw new RangeError(`--batch: expected an integer ≥ 1, received ${argv.batch}`);

  const shard = argv.shard ? parseShard(argv.shard) : undefined;
  const protocol = argv.protocol ?? 'paper';
  const rel = protocol === 'released' ? releasedAttack(argv.attack) : null;
  const ds = argv.imagesCsv ? listedImages(argv.imagesCsv, argv.data) : imageFolder(argv.data);
  const limited = argv.limit !== undefined ? (argv.imagesCsv ? ds.items.slice(0, argv.limit) : limitItems(ds.items, argv.limit)) : ds.items;
  const indexed: AttackItem[] = limited.map((it, i) => ({ path: it.path, label: it.label, i }));
  const items = shard ? shardItems(indexed, shard) : indexed;

  const load = (name: string, file: string, withOptions: boolean) => {
    const m = new Model(name, { ...(withOptions ? modelOptionsFrom(argv) : {}), ...(rel ? { normalization: rel.normalization } : {}) });
    m.loadWeights(file, argv.entry ? { entry: argv.entry } : {});
    if (m.entry.numClasses < 1) throw new RangeError(`${name} has no classifier head: attacks need class logits`);
    return m;
  };
  const targets = models.map((name, k) => load(name, weights[k], true));
  const surrogate = argv.surrogate ? load(argv.surrogate, argv.surrogateWeights!, false) : null;
  const crafter = surrogate ?? targets[0];
  // Budgets in pixel units on the crafting model's input. Normalised units: a step of ε in (x − mean)/std is
  // ε·std_c in pixels, so the budget becomes per channel.
  const std = rel ? rel.normalization.std : crafter.entry.preprocess.std;
  const toPixel = (v: number) => (argv.epsSpace === 'normalized' ? std.map((s) => v * s) : [v, v, v]);
  const plan: AttackPlan = {
    attack: argv.attack,
    eps,
    epsPixel: eps.map(toPixel),
    alphaPixel: alpha ? eps.map((_, e) => toPixel(alpha.length === 1 ? alpha[0] : alpha[e])) : null,
    steps,
    randomStart: argv.randomStart,
    seed: argv.seed,
    points: argv.points,
    pointsPerCall: argv.pointsPerCall,
    epsSpace: argv.epsSpace,
  };
  if (!Number.isInteger(plan.points) || plan.points < 1) throw new RangeError(`--points: expected an integer ≥ 1, received ${plan.points}`);

  const weightsSha = await Promise.all(weights.map((w) => sha256File(w)));
  const surrogateSha = argv.surrogateWeights ? await sha256File(argv.surrogateWeights) : null;
  const tag = `${models.join('+')}-${argv.attack}${surrogate ? `-from-${surrogate.name}` : ''}${shard ? `-shard${shard.index}of${shard.count}` : ''}`;
  const out = argv.out ?? path.join('runs', tag);
  const config = {
    models,
    model_configs: targets.map((m) => m.config),
    weights_sha256: weightsSha,
    surrogate: argv.surrogate ?? null,
    surrogate_config: surrogate?.config ?? null,
    surrogate_weights_sha256: surrogateSha,
    attack: argv.attack,
    eps,
    eps_space: argv.epsSpace,
    eps_pixel: plan.epsPixel,
    alpha_pixel: plan.alphaPixel,
    steps,
    random_start: argv.attack === 'pgd' ? argv.randomStart : false,
    taig_points: argv.attack.startsWith('taig') ? argv.points : null,
    seed: argv.seed,
    data: path.resolve(argv.data),
    batch: argv.batch,
    limit: argv.limit ?? null,
    shard: argv.shard ?? null,
    images_csv: argv.imagesCsv ? path.resolve(argv.imagesCsv) : null,
    protocol,
    protocol_settings: rel?.settings ?? null,
  };
  const run = new RunDir<AttackRecord>(out, config);
  const stop = gracefulStop(log);
  const label = `${argv.attack}${surrogate ? ` ${surrogate.name}→${models.join(',')}` : ` ${models[0]}`}`;
  const progress = new Progress(label, { plain: argv.json });
  log(`lkrobust: ${items.length} images, ${eps.length} ε × ${steps.length} step count(s), batch ${argv.batch}, results in ${out}`);
  const scorer = (m: Model): Scorer => ({ name: m.name, model: m, preprocess: rel ? rel.preprocess : m.entry.preprocess });
  const released = rel?.warpThenCrop ? { crop: rel.warpThenCrop.crop, toUint8: releasedUint8, scoreInput: (u8: Uint8Array, n: number, size: number) => releasedScoringInput(u8, n, size) } : undefined;
  let r;
  try {
    r = await runAttack(scorer(crafter), surrogate ? targets.map(scorer) : null, items, plan, run, {
      batchSize: argv.batch,
      released,
      shouldStop: stop.requested,
      onProgress: (p) => progress.update({ done: p.done, total: p.total, rate: p.imagesPerSecond, note: `engine busy ${(100 * p.engineBusy).toFixed(0)}%` }),
    });
  } finally {
    stop.release();
  }
  const rows = r.rows;
  const notes: string[] = [];
  if (rows.some((row) => row.note)) notes.push('some rows have ε > steps × α: the attack cannot reach the ε-ball surface there (see each row\'s note); REFERENCE.md §6.3');
  if (surrogate) notes.push('transfer: adversarial images are made once per (ε, steps) on the surrogate, rounded to uint8 inside the ε-ball and read by each target through its own preprocessing');
  const results = {
    model: models.length === 1 ? models[0] : models,
    attack: argv.attack,
    surrogate: argv.surrogate ?? null,
    eps_space: argv.epsSpace,
    rows,
    config,
    weights_sha256: weightsSha.length === 1 ? weightsSha[0] : weightsSha,
    surrogate_weights_sha256: surrogateSha,
    complete: r.complete,
    images: r.images,
    failed_images: r.failed,
    data: { root: path.resolve(argv.data), label_space: ds.labelSpace, classes: ds.classes.length, images: items.length },
    notes,
    timing: r.timing,
  };
  run.write('results.json', JSON.stringify(results, null, 2) + '\n');
  run.write('results.csv', toCsv(rows.map((row) => ({ ...row, eps_pixel: row.eps_pixel?.join(' ') })) as unknown as Record<string, unknown>[]));
  if (r.failed.length) log(`lkrobust: ${r.failed.length} unreadable image(s) skipped (listed in results.json failed_images), e.g. ${r.failed[0].error}`);
  if (!r.complete) log('lkrobust: stopped early: results.json holds what finished (complete: false); rerun to resume');
  return { results, out };
}

export function formatAttackRows(rows: { model?: string; eps: number; steps: number; n: number; accuracy: number; success_rate: number; success_rate_conditional: number | null; note?: string }[]): string {
  const pct = (v: number | null) => (v === null ? '-' : (100 * v).toFixed(2) + '%');
  const lines = rows.map((r) => [r.model ?? '', String(r.eps), String(r.steps), String(r.n), pct(r.accuracy), pct(r.success_rate), pct(r.success_rate_conditional), r.note ? '*' : '']);
  const head = ['model', 'eps', 'steps', 'n', 'accuracy', 'success', 'success|clean-correct', ''];
  const all = [head, ...lines];
  const width = head.map((_, i) => Math.max(...all.map((l) => l[i].length)));
  const first = rows.some((r) => r.model) ? 0 : 1; // white-box: no model column
  const text = all.map((l) => l.slice(first).map((c, i) => c.padStart(width[i + first])).join('  ').trimEnd()).join('\n');
  return text + (rows.some((r) => r.note) ? '\n* ε > steps × α: the ε-ball is not fully reachable' : '');
}

export const attackCommand = {
  command: 'attack',
  describe: 'Adversarial attacks (FGSM, PGD, TAIG-S/-R, AutoAttack): accuracy and success rate per ε and steps, white-box or transferred; resumable',
  builder: (y: Argv) =>
    autoAttackOptions(y)
      .option('model', { type: 'string', array: true, demandOption: true, describe: 'model name (several targets with --surrogate)' })
      .option('weights', { type: 'string', array: true, demandOption: true, describe: `per --model: ${WEIGHTS_HELP}` })
      .option('entry', { type: 'string', describe: 'dict entry holding the weights (default: the first of state_dict, model, module, net, model_ema)' })
      .option('kernel-size', { type: 'number', describe: 'ConvNeXt depthwise kernel size of the target(s)' })
      .option('attack', { choices: [...ATTACKS, 'autoattack'] as const, demandOption: true, describe: 'fgsm | pgd (L∞, random start) | taig-s (straight path) | taig-r (released randomised path) | autoattack (docs/ATTACKS.md)' })
      .option('eps', { type: 'string', demandOption: true, describe: 'L∞ budgets, comma-separated, in [0,1] pixel units (fractions ok: 8/255); autoattack: one budget in --norm' })
      .option('steps', { type: 'string', describe: 'step counts, comma-separated (PGD default 5, TAIG iterations default 20; not for FGSM)' })
      .option('alpha', { type: 'string', describe: 'step size, one or one per ε, same units as --eps (default PGD ε/4, TAIG 1/255 pixel)' })
      .option('eps-space', { choices: ['pixel', 'normalized'] as const, default: 'pixel' as const, describe: 'units of --eps/--alpha: pixel [0,1], or normalised (x−mean)/std (then ε·std per channel in pixels)' })
      .option('random-start', { type: 'boolean', default: true, describe: 'PGD: uniform random start in ±ε' })
      .option('points', { type: 'number', default: TAIG_DEFAULTS.points, describe: 'TAIG: S, path points after the black baseline (S+1 in all)' })
      .option('points-per-call', { type: 'number', default: 0, describe: 'TAIG: at most this many path points per engine call (0: the whole batch × (S+1) at once)' })
      .option('surrogate', { type: 'string', describe: 'transfer: craft on this model, score on --model' })
      .option('surrogate-weights', { type: 'string', describe: 'the surrogate\'s checkpoint' })
      .option('data', { type: 'string', demandOption: true, describe: 'an ImageFolder (ImageNet val layout <wnid>/<image>)' })
      .option('limit', { type: 'number', describe: 'at most N images, spread over the classes' })
      .option('batch', { type: 'number', default: 8, describe: 'images per batch' })
      .option('shard', { type: 'string', describe: 'i/n: the i-th of n interleaved shards (0-based)' })
      .option('out', { type: 'string', describe: 'run folder (default runs/<model>-<attack>[-from-<surrogate>]); rerunning resumes it' })
      .option('json', { type: 'boolean', default: false, describe: 'print results.json to stdout; plain progress lines' })
      .option('seed', { type: 'number', default: 0, describe: 'seed of the random start / path noise (per image, independent of batching)' })
      .option('protocol', { choices: PROTOCOLS, default: 'paper' as const, describe: "paper: each model's own preprocessing; released: the released LKRobust scripts step for step (ImageNet mean/std for every model; TAIG: 256×256 warp + crop 224 to craft, uint8 save, torch bicubic re-resize to score). docs/ANALYSES.md" })
      .option('images-csv', { type: 'string', describe: "an image list in the released format (class_index,wnid,image_name), e.g. TAIG's results/selected_images.csv; --data is then the ImageNet val folder" })
      .example('$0 attack --model resnet50 --weights r50.safetensors --attack pgd --eps 0.002,0.004,0.006,0.008 --steps 5 --data ~/imagenet/val --limit 1000', 'PGD-5 ε sweep (Fig 6b)')
      .example('$0 attack --model resnet50 --weights r50.safetensors --attack taig-r --eps 8/255,16/255 --surrogate vit_base_patch16_224 --surrogate-weights vitb.safetensors --data sel5000', 'TAIG-R transfer (Table 4)')
      .example('$0 attack --model replknet_31b --weights lk.pth --attack taig-r --eps 16/255 --surrogate vit_base_patch16_224 --surrogate-weights vitb.bin --data ~/imagenet/val --images-csv selected_images.csv --protocol released', 'TAIG as the released scripts run it'),
  handler: async (argv: AttackArgs | (AutoAttackArgs & { attack: 'autoattack' })) => {
    if (argv.attack === 'autoattack') {
      const { results, out } = await autoAttackMain(argv as AutoAttackArgs);
      if (argv.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
      else process.stdout.write(`${formatAutoAttack(results)}\nresults: ${path.join(out, 'results.json')}\n`);
      return;
    }
    const { results, out } = await attackMain(argv as AttackArgs);
    if (argv.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
    else process.stdout.write(`${formatAttackRows(results.rows)}\nresults: ${path.join(out, 'results.json')}\n`);
  },
};
