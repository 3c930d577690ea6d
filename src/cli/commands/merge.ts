// `lkrobust merge`: joins the run folders of `eval`, `attack` or `analyze` (occlusion, lesion, frequency) run with
// `--shard i/n` into one result, as if run at once.
import { mkdirSync } from 'node:fs';
import path from 'node:path';

import type { Argv } from 'yargs';

import { type BenchmarkName, prepareBenchmark, type UnitRecord } from '../../robustness/benchmarks.js';
import { toCsv } from '../../report/csv.js';
import { RunDir, writeAtomic } from '../../report/run_dir.js';
import { mergeAutoAttackResults } from '../../robustness/attacks/autoattack_run.js';
import { checkShardSet, mergeAnalysisShards, mergeAttackShards, readShardRun, type ShardRun } from '../../robustness/shard_merge.js';
import { writeOutputs } from './analyze.js';
import { readPBaseline } from './eval.js';

export function mergeRuns(dirs: string[], out: string, opts: { baseline?: string; cleanError?: number } = {}) {
  const runs = dirs.map(readShardRun) as (ShardRun & { config: { benchmark: BenchmarkName; data: string } })[];
  const first = runs[0].config;
  const shards = checkShardSet(runs, 'eval');
  const o = {
    limit: (first.limit as number | null) ?? undefined,
    valDir: (first.val_dir as string | null) ?? undefined,
    difficulty: first.difficulty as number,
    cleanError: opts.cleanError,
    baseline: opts.baseline ? readPBaseline(opts.baseline) : undefined,
  };
  const whole = prepareBenchmark(first.benchmark, first.data, o);
  const globalIndex = new Map(whole.units.map((u, i) => [`${u.path}#${u.frame}`, i]));
  const records = new Map<number, UnitRecord>();
  const failed: { path: string; error: string }[] = [];
  runs.forEach((r, k) => {
    const part = prepareBenchmark(first.benchmark, first.data, { ...o, shard: shards[k]! });
    for (const line of new RunDir<UnitRecord>(r.dir, r.config).done().values()) {
      for (const rec of line.records) {
        const u = part.units[rec.u];
        const g = globalIndex.get(`${u.path}#${u.frame}`);
        if (g === undefined) throw new RangeError(`${r.dir}: image ${u.path} is not part of the whole run`);
        records.set(g, { ...rec, u: g });
      }
      failed.push(...line.failed);
    }
  });
  const s = whole.summarize(records, failed);
  const { shard: _s, ...config } = first;
  const results = {
    model: runs[0].results.model,
    weights_sha256: runs[0].results.weights_sha256,
    benchmark: first.benchmark,
    config: { ...config, shard: null, merged_from: runs.map((r) => path.resolve(r.dir)) },
    rows: s.rows,
    summary: s.summary,
    complete: records.size + failed.length === whole.units.length,
    images: records.size,
    failed_images: failed,
    data: whole.dataInfo,
  };
  mkdirSync(out, { recursive: true });
  writeAtomic(path.join(out, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  writeAtomic(path.join(out, 'results.csv'), toCsv(s.rows as unknown as Record<string, unknown>[]));
  return results;
}

/** Attack or analysis shards: merged and written beside each other as the single run would have. */
async function mergeOther(dirs: string[], out: string) {
  const runs = dirs.map(readShardRun);
  if (runs[0].config.attack === 'autoattack') {
    checkShardSet(runs, 'attack --attack autoattack');
    const r = { ...mergeAutoAttackResults(runs.map((x) => x.results)), config: { ...runs[0].config, shard: null, merged_from: runs.map((x) => path.resolve(x.dir)) } };
    mkdirSync(out, { recursive: true });
    writeAtomic(path.join(out, 'results.json'), JSON.stringify(r, null, 2) + '\n');
    writeAtomic(path.join(out, 'results.csv'), toCsv(r.log as unknown as Record<string, unknown>[]));
    return r;
  }
  if (runs[0].config.attack) {
    const r = mergeAttackShards(runs);
    mkdirSync(out, { recursive: true });
    writeAtomic(path.join(out, 'results.json'), JSON.stringify(r, null, 2) + '\n');
    writeAtomic(path.join(out, 'results.csv'), toCsv(r.rows.map((row) => ({ ...row, eps_pixel: row.eps_pixel?.join(' ') })) as unknown as Record<string, unknown>[]));
    return r;
  }
  const r = mergeAnalysisShards(runs);
  await writeOutputs(out, r as typeof r & { rows: Record<string, unknown>[] });
  return r;
}

export const mergeCommand = {
  command: 'merge <dirs..>',
  describe: 'Join the run folders of `eval`, `attack` or `analyze` run with --shard i/n (all n of them) into one results.json',
  builder: (y: Argv) =>
    y
      .positional('dirs', { type: 'string', array: true, describe: 'the shard run folders' })
      .option('out', { type: 'string', demandOption: true, describe: 'folder for the merged results.json and results.csv (and plots, for analyses)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the merged results.json' })
      .option('baseline', { type: 'string', describe: 'imagenet-p baseline (as for eval)' })
      .option('clean-error', { type: 'number', describe: 'imagenet-c clean error (as for eval)' })
      .example('$0 merge runs/r50-pgd-shard0of2 runs/r50-pgd-shard1of2 --out runs/r50-pgd', 'an attack run made in two shards'),
  handler: async (argv: { dirs: string[]; out: string; json: boolean; baseline?: string; cleanError?: number }) => {
    const kind: Record<string, unknown> = argv.dirs.length ? readShardRun(argv.dirs[0]).config : {};
    const r = kind.attack || kind.analysis ? await mergeOther(argv.dirs, argv.out) : mergeRuns(argv.dirs, argv.out, { baseline: argv.baseline, cleanError: argv.cleanError });
    if (argv.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    else process.stdout.write(`merged ${argv.dirs.length} shards: ${'images' in r ? r.images : r.summary.images} images -> ${path.join(argv.out, 'results.json')}\n`);
  },
};
