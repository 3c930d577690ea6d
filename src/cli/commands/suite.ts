// `lkrobust suite`: a whole study in one command — models × benchmarks / analyses / attacks, or the paper's
// preset — each cell run by the same code as `eval` / `analyze` / `attack` (parsed by that command's own
// options), resumable and shardable as one unit, ending in one leaderboard (suite.json, suite.csv, report.html).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import yargs, { type Argv } from 'yargs';

import { parseShard } from '../../data/select.js';
import { findModel } from '../../models/registry.js';
import type { ResultsFile } from '../../report/plots.js';
import { type CellKind, DATA_KEYS, type DataKey, modelName } from '../../suite/cells.js';
import { buildSuiteJson, type ModelFacts, suiteCsv, suiteHtml } from '../../suite/leaderboard.js';
import { type PlannedCell, planSuite, SuiteError } from '../../suite/plan.js';
import { type CellOutcome, cellDir, finishedResults, openSuiteDir, runCells } from '../../suite/run.js';
import { findWeights, parseWeightsName } from '../../weights/catalog.js';
import { WeightsError } from '../../weights/errors.js';
import { analyzeCommand, analyzeMain, type AnalyzeArgs } from './analyze.js';
import { attackCommand, type AttackArgs, attackMain } from './attack.js';
import { evalCommand, type EvalArgs, evalMain } from './eval.js';
import { isWeightsName } from './model_args.js';

const DATA_FLAGS: Record<DataKey, string> = {
  'imagenet-val': 'imagenet', 'imagenet-a': 'imagenet-a', 'imagenet-r': 'imagenet-r', 'imagenet-o': 'imagenet-o', 'imagenet-c': 'imagenet-c', 'imagenet-p': 'imagenet-p', 'imagenet-9': 'imagenet-9',
};
/** Folder names looked for under --data-root (the released names first). */
const ROOT_NAMES: Record<DataKey, string[]> = {
  'imagenet-val': ['imagenet-val', 'val', 'imagenet/val'], 'imagenet-a': ['imagenet-a'], 'imagenet-r': ['imagenet-r'], 'imagenet-o': ['imagenet-o'],
  'imagenet-c': ['imagenet-c'], 'imagenet-p': ['imagenet-p'], 'imagenet-9': ['imagenet-9', 'bg_challenge'],
};

const COMMANDS = { eval: evalCommand, analyze: analyzeCommand, attack: attackCommand } as const;

export interface SuiteArgs {
  preset?: 'paper';
  models?: string;
  benchmarks?: string;
  analyses?: string;
  attacks?: string;
  surrogate?: string;
  weights?: string[];
  dataRoot?: string;
  out: string;
  limit?: number;
  batch?: number;
  set?: string[];
  device: string;
  shard?: string;
  json: boolean;
  [flag: string]: unknown;
}

const list = (s?: string) => (s === undefined ? undefined : s.split(',').map((x) => x.trim()).filter(Boolean));

/** The options a command accepts (its builder's own table), for `--set`. */
function accepts(kind: CellKind, option: string): boolean {
  const y = COMMANDS[kind].builder(yargs([]) as Argv) as unknown as { getOptions(): { key: Record<string, unknown> } };
  return option in y.getOptions().key;
}

/** Parses a cell's command line with that command's own options and defaults (nothing runs here). */
async function parseCellArgs<T>(kind: CellKind, argv: string[]): Promise<T> {
  const c = COMMANDS[kind];
  let parsed: T | undefined;
  await yargs([])
    .command({ command: c.command, describe: false, builder: c.builder as never, handler: (a: unknown) => void (parsed = a as T) })
    .strict()
    .exitProcess(false)
    .fail((msg, err) => {
      throw err ?? new SuiteError('LKR_SUITE_ARG', `${kind}: ${msg}`);
    })
    .parseAsync(argv);
  return parsed!;
}

class SuiteSetup {
  readonly data: Partial<Record<DataKey, string>> = {};
  readonly files = new Map<string, string>();

  constructor(readonly argv: SuiteArgs) {
    for (const k of DATA_KEYS) {
      const flag = argv[camel(DATA_FLAGS[k])] as string | undefined;
      if (flag) this.data[k] = flag;
      else if (argv.dataRoot) {
        const found = ROOT_NAMES[k].map((n) => path.join(argv.dataRoot!, n)).find((p) => existsSync(p));
        if (found) this.data[k] = found;
      }
    }
    for (const w of argv.weights ?? []) {
      const m = /^([^=]+)=(.+)$/.exec(w);
      if (!m) throw new SuiteError('LKR_SUITE_ARG', `--weights: expected MODEL=FILE or MODEL=TAG (e.g. resnet50=r50.pth), received "${w}"`);
      this.files.set(m[1], m[2]);
    }
  }

  /** What --weights the cell passes for a model spec: a given file or tag, else the spec's tag, else 'official'. */
  weightsFor(spec: string): string {
    const given = this.files.get(spec) ?? this.files.get(modelName(spec));
    return given ?? parseWeightsName(spec).tag ?? 'official';
  }

  precheck = (cell: PlannedCell): string | null => {
    for (const k of cell.data) {
      if (!this.data[k]) return `no ${k} data: give --${DATA_FLAGS[k]} DIR${this.argv.dataRoot ? ` or put it at ${path.join(this.argv.dataRoot, ROOT_NAMES[k][0])}` : ' or --data-root DIR'}`;
    }
    for (const spec of [...cell.models, ...(cell.surrogate ? [cell.surrogate] : [])]) {
      const w = this.weightsFor(spec);
      if (!isWeightsName(w)) continue;
      try {
        findWeights(modelName(spec), w === 'official' ? null : w);
      } catch (e) {
        if (e instanceof WeightsError) return e.message;
        throw e;
      }
    }
    return null;
  };

  /** The cell's command line; `placeholders` gives the stable form recorded in suite.json. */
  commandLine(cell: PlannedCell, dir: string, placeholders = false): string[] {
    const d = (k: DataKey) => (placeholders ? `<${k}>` : this.data[k]!);
    const w = (spec: string) => {
      const v = this.weightsFor(spec);
      return placeholders && !isWeightsName(v) ? path.basename(v) : v;
    };
    const outArgs = ['--json', '--out', placeholders ? `<out>/cells/${cell.id}` : dir];
    const common = [...(this.argv.device !== 'cpu' ? ['--device', this.argv.device] : []), ...outArgs];
    const spec = cell.models[0];
    if (cell.kind === 'eval') {
      return ['eval', '--model', modelName(spec), '--weights', w(spec), ...cell.args, '--data', d(cell.data[0]), ...(cell.what === 'imagenet-o' ? ['--val-dir', d('imagenet-val')] : []), ...common];
    }
    if (cell.kind === 'analyze') {
      return ['analyze', cell.what, '--model', modelName(spec), '--weights', w(spec), ...cell.args, ...(cell.data.length ? ['--data', d('imagenet-val')] : []), ...common];
    }
    const sur = cell.surrogate ? ['--surrogate', modelName(cell.surrogate), '--surrogate-weights', w(cell.surrogate)] : [];
    return ['attack', ...cell.models.flatMap((m) => ['--model', modelName(m), '--weights', w(m)]), ...sur, ...cell.args, '--data', d('imagenet-val'), ...outArgs];
  }

  run = async (cell: PlannedCell, dir: string): Promise<void> => {
    const line = this.commandLine(cell, dir);
    const log = (s: string) => process.stderr.write(s + '\n');
    if (cell.kind === 'eval') await evalMain(await parseCellArgs<EvalArgs>('eval', line), log);
    else if (cell.kind === 'analyze') await analyzeMain(await parseCellArgs<AnalyzeArgs>('analyze', line));
    else await attackMain(await parseCellArgs<AttackArgs>('attack', line), log);
  };

  facts = (spec: string): ModelFacts => {
    const e = findModel(modelName(spec));
    const given = this.weightsFor(spec);
    let official = null;
    if (isWeightsName(given)) {
      try {
        official = findWeights(modelName(spec), given === 'official' ? null : given);
      } catch {
        official = null;
      }
    }
    return { description: e.description, preprocess: e.preprocess, official, weightsGiven: isWeightsName(given) ? given : path.basename(given) };
  };
}

const camel = (s: string) => s.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function plan(argv: SuiteArgs): PlannedCell[] {
  const sets: Record<string, string> = {};
  if (argv.limit !== undefined) sets.limit = String(argv.limit);
  if (argv.batch !== undefined) sets.batch = String(argv.batch);
  for (const s of argv.set ?? []) {
    const m = /^([a-z][a-z0-9-]*)=(.*)$/.exec(s);
    if (!m) throw new SuiteError('LKR_SUITE_ARG', `--set: expected key=value with a command option as key (e.g. steps=5), received "${s}"`);
    sets[m[1]] = m[2];
  }
  return planSuite({
    preset: argv.preset,
    models: list(argv.models),
    benchmarks: list(argv.benchmarks),
    analyses: list(argv.analyses),
    attacks: list(argv.attacks),
    surrogate: argv.surrogate,
    sets,
    accepts,
  });
}

async function writeLeaderboard(out: string, preset: string | null, cells: PlannedCell[], outcomes: Map<string, CellOutcome>, resultsDir: (id: string) => string | null, setup: SuiteSetup) {
  const results = new Map<string, Record<string, unknown>>();
  for (const c of cells) {
    const dir = resultsDir(c.id);
    const r = dir ? finishedResults(dir) : null;
    if (r) results.set(c.id, r);
  }
  const s = buildSuiteJson({ preset, cells, outcomes, results, facts: setup.facts, command: (c) => ['lkrobust', ...setup.commandLine(c, '', true)].join(' ') });
  writeFileSync(path.join(out, 'suite.json'), JSON.stringify(s, null, 2) + '\n');
  writeFileSync(path.join(out, 'suite.csv'), suiteCsv(s));
  writeFileSync(path.join(out, 'report.html'), await suiteHtml(s, [...results.values()] as ResultsFile[]));
  return s;
}

export async function suiteMain(argv: SuiteArgs) {
  const log = (s: string) => process.stderr.write(`lkrobust suite: ${s}\n`);
  const shard = argv.shard ? parseShard(argv.shard) : undefined;
  const setup = new SuiteSetup(argv);
  const cells = plan(argv);
  openSuiteDir(argv.out, { preset: argv.preset ?? null, cells }, shard);
  const outcomes = await runCells(cells, argv.out, { precheck: setup.precheck, run: setup.run, shard, log });
  // What `suite merge` needs to describe the models as this run did (the weights given, the device).
  const invocation = { weights: argv.weights ?? [], device: argv.device };
  writeFileSync(path.join(argv.out, 'suite-status.json'), JSON.stringify({ shard: shard ?? null, invocation, outcomes }, null, 2) + '\n');
  const mine = outcomes.filter((o) => o.status !== 'other-shard');
  const s = await writeLeaderboard(argv.out, argv.preset ?? null, cells, new Map(mine.map((o) => [o.id, o])), (id) => cellDir(argv.out, id), setup);
  const count = (st: string) => mine.filter((o) => o.status === st).length;
  log(`${count('done')} done, ${count('skipped')} skipped, ${count('failed')} failed${count('stopped') ? `, ${count('stopped')} stopped (rerun to resume)` : ''}; ${path.join(argv.out, 'suite.json')}, suite.csv, report.html`);
  for (const o of mine) if (o.status === 'skipped') log(`skipped ${o.id}: ${o.reason}`);
  return { suite: s, outcomes: mine };
}

/** Joins the folders of `suite --shard i/n` runs (all n, same plan) into one leaderboard. */
export async function suiteMergeMain(argv: { dirs: string[]; out: string } & SuiteArgs) {
  const read = (d: string, f: string) => {
    const p = path.join(d, f);
    if (!existsSync(p)) throw new SuiteError('LKR_SUITE_MERGE', `${d}: not a suite folder (no ${f})`);
    return readFileSync(p, 'utf8');
  };
  const plans = argv.dirs.map((d) => read(d, 'suite-plan.json'));
  if (plans.some((p) => p !== plans[0])) throw new SuiteError('LKR_SUITE_MERGE', 'these folders hold different suite plans; merge the shards of one suite');
  const statuses = argv.dirs.map((d) => JSON.parse(read(d, 'suite-status.json')) as { shard: { index: number; count: number } | null; invocation: { weights: string[]; device: string }; outcomes: CellOutcome[] });
  const n = statuses[0].shard?.count;
  const seen = statuses.map((s) => s.shard?.index);
  if (!n || statuses.some((s) => s.shard?.count !== n) || new Set(seen).size !== n || seen.length !== n) {
    throw new SuiteError('LKR_SUITE_MERGE', `expected the ${n ?? 'n'} shards 0..${(n ?? 1) - 1} of one suite, each once; received shards ${seen.map((i) => (i === undefined ? 'none' : i)).join(', ')}`);
  }
  const identity = JSON.parse(plans[0]) as { preset: string | null; cells: PlannedCell[] };
  const outcomes = new Map<string, CellOutcome>();
  const owner = new Map<string, string>();
  statuses.forEach((s, k) => {
    for (const o of s.outcomes) {
      if (o.status === 'other-shard') continue;
      outcomes.set(o.id, o);
      owner.set(o.id, argv.dirs[k]);
    }
  });
  mkdirSync(argv.out, { recursive: true });
  const first = statuses.find((s) => s.shard?.index === 0)!;
  const setup = new SuiteSetup({ ...argv, weights: first.invocation.weights, device: first.invocation.device });
  return writeLeaderboard(argv.out, identity.preset, identity.cells, outcomes, (id) => (owner.has(id) ? cellDir(owner.get(id)!, id) : null), setup);
}

const runOptions = (y: Argv) =>
  y
    .option('preset', { choices: ['paper'] as const, describe: "the paper's models, benchmarks, analyses and settings per table and figure; its published values beside ours" })
    .option('models', { type: 'string', describe: 'comma list of models (NAME or NAME:TAG); with --preset, only these of the preset' })
    .option('benchmarks', { type: 'string', describe: `comma list of ${DATA_KEYS.join(', ')} (or none)` })
    .option('analyses', { type: 'string', describe: 'comma list of occlusion, lesion, frequency, kernel-distance, feature-variance, erf (or none)' })
    .option('attacks', { type: 'string', describe: 'comma list of fgsm, pgd, taig-s, taig-r (or none); default budgets are the paper\'s sweeps' })
    .option('surrogate', { type: 'string', describe: 'attacks of a custom grid: craft on this model (NAME[:TAG]) and score the models' })
    .option('weights', { type: 'string', array: true, describe: "MODEL=FILE or MODEL=TAG, repeatable; any model not named uses its spec's tag or 'official' (downloaded once, verified)" })
    .option('data-root', { type: 'string', describe: 'a folder holding the benchmarks in their released layouts: imagenet-val (or val), imagenet-a, -r, -o, -c, -p, imagenet-9' })
    .option('imagenet', { type: 'string', describe: 'the ImageNet val folder (<wnid>/<image>); analyses and attacks read it too' })
    .option('imagenet-a', { type: 'string' })
    .option('imagenet-r', { type: 'string' })
    .option('imagenet-o', { type: 'string' })
    .option('imagenet-c', { type: 'string' })
    .option('imagenet-p', { type: 'string' })
    .option('imagenet-9', { type: 'string' })
    .option('out', { type: 'string', demandOption: true, describe: 'the suite folder: cells/<id>/ per cell, suite.json, suite.csv, report.html; rerunning resumes it' })
    .option('limit', { type: 'number', describe: 'passed as --limit to every cell (a quick look; the paper compares full sets)' })
    .option('batch', { type: 'number', describe: 'passed as --batch to every cell' })
    .option('set', { type: 'string', array: true, describe: 'KEY=VALUE: the option --KEY of every cell whose command has it (e.g. steps=5); recorded, and flagged beside the paper' })
    .option('device', { type: 'string', default: 'cpu', describe: 'cpu, cuda or cuda:N for every cell' })
    .option('shard', { type: 'string', describe: 'i/n: run cells i, i+n, ... (0-based); then `lkrobust suite merge` the n folders' })
    .option('json', { type: 'boolean', default: false, describe: 'print suite.json to stdout' });

export const suiteMergeCommand = {
  command: 'merge <dirs..>',
  describe: 'Join the n folders of `suite --shard i/n` into one leaderboard (the same suite.json as one run)',
  builder: (y: Argv) =>
    y
      .positional('dirs', { type: 'string', array: true, describe: 'the shard folders' })
      .option('out', { type: 'string', demandOption: true, describe: 'folder for the merged suite.json, suite.csv and report.html' })
      .option('json', { type: 'boolean', default: false, describe: 'print the merged suite.json' }),
  handler: async (argv: { dirs: string[]; out: string; json: boolean } & SuiteArgs) => {
    const s = await suiteMergeMain(argv);
    if (argv.json) process.stdout.write(JSON.stringify(s, null, 2) + '\n');
    else process.stdout.write(`merged ${argv.dirs.length} shards -> ${path.join(argv.out, 'suite.json')}\n`);
  },
};

export const suiteCommand = {
  command: 'suite',
  describe: "Run a whole study (models × benchmarks, analyses, attacks, or the paper's preset) and write one leaderboard; resumable, shardable",
  builder: (y: Argv) =>
    y
      .command(suiteMergeCommand as never)
      .command({
        command: '$0',
        describe: false,
        builder: runOptions as never,
        handler: async (argv: SuiteArgs) => {
          const { suite, outcomes } = await suiteMain(argv);
          if (argv.json) process.stdout.write(JSON.stringify(suite, null, 2) + '\n');
          if (outcomes.some((o) => o.status === 'failed')) process.exitCode = 1;
        },
      } as never)
      .example('$0 suite --preset paper --data-root ~/data --out runs/paper', "every table of the paper, official weights, the paper's values beside ours")
      .example('$0 suite --models resnet50,convnext_base --benchmarks imagenet-a,imagenet-r --data-root ~/data --out runs/ar', 'a custom grid')
      .example('$0 suite --preset paper --data-root ~/data --out runs/p0 --shard 0/3   # ... 1/3, 2/3 elsewhere', 'three machines')
      .example('$0 suite merge runs/p0 runs/p1 runs/p2 --out runs/paper', 'one leaderboard from the shards')
      .epilogue('Each cell is the `eval`/`analyze`/`attack` command suite.json shows beside it, run into <out>/cells/<id>. Cells whose data or weights are not given are skipped and named. docs/SUITE.md: reproducing the paper on one GPU machine or a cluster.'),
  handler: () => {},
};
