// The seven benchmarks of `lkrobust eval`: each turns a released folder into images to run, keeps a compact
// record per image (top-5 over 1000 classes, a restricted argmax, an MSP), and summarises the records with
// the metrics of src/metrics. No I/O besides discovering the dataset.
import { classSubset, alexnetC, alexnetP } from '../data/reference_data.js';
import { imagenet9, imagenetA, imagenetC, imagenetO, imagenetP, imagenetR, imagenetVal, valSubset } from '../data/layouts.js';
import type { ImageItem } from '../data/layouts.js';
import { limitItems, limitPerGroup, type Shard, shardItems } from '../data/select.js';
import { accuracyOf, type Counts } from '../metrics/classification.js';
import { errorTable, imagenetCSummary } from '../metrics/imagenet_c.js';
import { baselineFromAlexNetP, type PBaseline } from '../metrics/imagenet_p.js';
import { frameUnits, selectDifficulty, summarizeP } from './benchmark_p.js';
import { in9Summary } from '../metrics/in9.js';
import { oodMeasures } from '../metrics/ood.js';
import { generatedImagenetC, type GenerateOptions } from '../corrupt/generated.js';

export const BENCHMARKS = ['imagenet-val', 'imagenet-a', 'imagenet-r', 'imagenet-o', 'imagenet-c', 'imagenet-p', 'imagenet-9'] as const;
export type BenchmarkName = (typeof BENCHMARKS)[number];

/** One image to run: `item` indexes the benchmark's items (a video for ImageNet-P), `frame` its frame. */
export interface Unit {
  path: string;
  item: number;
  frame: number;
  /** The image file's bytes made in memory (eval --generate), instead of reading `path`. */
  load?: () => Promise<Buffer>;
}

/** What is kept per image: top-5 classes of 1000 (t), restricted argmax (r), MSP over the restricted columns (m). */
export interface UnitRecord {
  u: number;
  t: number[];
  r?: number;
  m?: number;
}

export interface ResultRow {
  corruption?: string;
  severity?: number;
  perturbation?: string;
  variation?: string;
  class?: string;
  set?: string;
  n: number;
  correct?: number;
  error?: number;
  fp?: number;
  ut5d?: number;
}

export interface Summary {
  rows: ResultRow[];
  summary: Record<string, unknown>;
}

export interface BenchmarkOptions {
  limit?: number;
  shard?: Shard;
  /** ImageNet-O: the ImageNet val folder giving the in-distribution images; ImageNet-R: its val subset, for the gap. */
  valDir?: string;
  /** ImageNet-C: the model's clean error (fraction) for relative mCE. */
  cleanError?: number;
  /** ImageNet-P: baseline raw values per perturbation ({fp, t5d}), e.g. from an AlexNet run. */
  baseline?: PBaseline;
  /** ImageNet-P: difficulty 1..3: frame stride of the temporal perturbations, `<noise>_d` folders for the noise ones. */
  difficulty?: number;
  /** ImageNet-C: make the corrupted images in memory from the val folder given as data (`eval --generate`). */
  generate?: GenerateOptions;
}

export interface PreparedBenchmark {
  name: BenchmarkName;
  units: Unit[];
  items: number;
  /** Files already at the input size are used as they are (ImageNet-C, -P, -9). */
  keepIfInputSize: boolean;
  /** Restricted columns (1k indices) when the benchmark scores a 200-class subset. */
  columns: readonly number[] | null;
  /** Facts about the data worth keeping in results.json (counts, missing parts). */
  dataInfo: Record<string, unknown>;
  /** `failed`: the units that could not be read (path, error), for benchmarks that report them (ImageNet-P videos). */
  summarize(records: ReadonlyMap<number, UnitRecord>, failed?: readonly { path: string; error: string }[]): Summary;
}

// Limit first, then shard: the shards of a limited run together hold exactly the single run's items.
function select<T>(items: readonly T[], o: BenchmarkOptions, group?: (t: T) => string): T[] {
  let out = [...items];
  if (o.limit !== undefined) out = group ? limitPerGroup(out, o.limit, group) : limitItems(out, o.limit);
  return o.shard ? shardItems(out, o.shard) : out;
}

function counts(pairs: Iterable<[string, boolean]>): Map<string, Counts> {
  const m = new Map<string, Counts>();
  for (const [k, ok] of pairs) {
    const c = m.get(k) ?? { total: 0, correct: 0 };
    c.total++;
    if (ok) c.correct++;
    m.set(k, c);
  }
  return m;
}

function row(c: Counts, extra: Partial<ResultRow> = {}): ResultRow {
  return { ...extra, n: c.total, correct: c.correct, error: c.total ? 1 - c.correct / c.total : 0 };
}

function imageUnits<T extends ImageItem & { load?: () => Promise<Buffer> }>(items: readonly T[]): Unit[] {
  return items.map((it, i) => (it.load ? { path: it.path, item: i, frame: 0, load: it.load } : { path: it.path, item: i, frame: 0 }));
}

function recordsOf(units: Unit[], records: ReadonlyMap<number, UnitRecord>): { unit: Unit; rec: UnitRecord }[] {
  const out: { unit: Unit; rec: UnitRecord }[] = [];
  units.forEach((unit, u) => {
    const rec = records.get(u);
    if (rec) out.push({ unit, rec });
  });
  return out;
}

export function prepareBenchmark(name: BenchmarkName, dataDir: string, o: BenchmarkOptions = {}): PreparedBenchmark {
  switch (name) {
    case 'imagenet-val': {
      const ds = imagenetVal(dataDir);
      const items = select(ds.items, o);
      const units = imageUnits(items);
      return {
        name, units, items: items.length, keepIfInputSize: false, columns: null,
        dataInfo: { classes: ds.classes.length, images: items.length },
        summarize(records) {
          const rs = recordsOf(units, records);
          const top1 = counts(rs.map(({ unit, rec }) => ['all', rec.t[0] === items[unit.item].label]));
          const top5 = counts(rs.map(({ unit, rec }) => ['all', rec.t.includes(items[unit.item].label)]));
          const c1 = top1.get('all') ?? { total: 0, correct: 0 };
          const c5 = top5.get('all') ?? { total: 0, correct: 0 };
          return { rows: [row(c1)], summary: { top1: accuracyOf(c1), top5: accuracyOf(c5), n: c1.total } };
        },
      };
    }
    case 'imagenet-a':
    case 'imagenet-r': {
      const ds = name === 'imagenet-a' ? imagenetA(dataDir) : imagenetR(dataDir);
      const items = select(ds.items, o);
      // ImageNet-R with --val-dir: also the val images of the same 200 wnids, scored the same way, and the gap
      // ([INR] eval.py); they follow the benchmark's own images in the unit list.
      const valItems = name === 'imagenet-r' && o.valDir ? select(valSubset(o.valDir, 'r').items, o) : [];
      const units = [...imageUnits(items), ...valItems.map((it, i) => ({ path: it.path, item: items.length + i, frame: 0 }))];
      const itemOf = (u: Unit) => (u.item < items.length ? items[u.item] : valItems[u.item - items.length]);
      return {
        name, units, items: units.length, keepIfInputSize: false, columns: ds.indices,
        dataInfo: { images: items.length, missing_classes: ds.missingClasses, ...(valItems.length ? { val_subset_images: valItems.length } : {}) },
        summarize(records) {
          const rs = recordsOf(units, records);
          const own = rs.filter(({ unit }) => unit.item < items.length);
          const c = counts(own.map(({ unit, rec }) => ['all', rec.r === itemOf(unit).label])).get('all') ?? { total: 0, correct: 0 };
          const perClass = counts(own.map(({ unit, rec }) => [itemOf(unit).className, rec.r === itemOf(unit).label]));
          const summary: Record<string, unknown> = { top1: accuracyOf(c), n: c.total, classes: 200 };
          const rows = [row(c), ...[...perClass].sort().map(([k, v]) => row(v, { class: k }))];
          if (valItems.length) {
            const val = rs.filter(({ unit }) => unit.item >= items.length);
            const cv = counts(val.map(({ unit, rec }) => ['all', rec.r === itemOf(unit).label])).get('all') ?? { total: 0, correct: 0 };
            summary.val_subset_top1 = accuracyOf(cv);
            summary.val_subset_n = cv.total;
            // The gap as [INR] reports it: accuracy on the val subset minus accuracy on ImageNet-R.
            summary.gap = cv.total && c.total ? cv.correct / cv.total - c.correct / c.total : null;
            rows.push(row(cv, { set: 'imagenet-val-200' }));
          }
          return { rows, summary };
        },
      };
    }
    case 'imagenet-o': {
      if (!o.valDir) throw new RangeError('imagenet-o: give --val-dir, the ImageNet val folder: its images of the same 200 wnids are the in-distribution set');
      const ds = imagenetO(dataDir, { valDir: o.valDir });
      const outItems = select(ds.out.items, o);
      const inItems = select(ds.in!.items, o);
      const units = [...imageUnits(outItems), ...inItems.map((it, i) => ({ path: it.path, item: outItems.length + i, frame: 0 }))];
      const isOut = (u: Unit) => u.item < outItems.length;
      return {
        name, units, items: units.length, keepIfInputSize: false, columns: classSubset('o').indices,
        dataInfo: { ood_images: outItems.length, in_distribution_images: inItems.length },
        summarize(records) {
          const rs = recordsOf(units, records);
          const outMsp = rs.filter(({ unit }) => isOut(unit)).map(({ rec }) => rec.m!);
          const inMsp = rs.filter(({ unit }) => !isOut(unit)).map(({ rec }) => rec.m!);
          const m = outMsp.length && inMsp.length ? oodMeasures(inMsp, outMsp) : null;
          return {
            rows: [{ set: 'imagenet-o', n: outMsp.length }, { set: 'imagenet-val-200', n: inMsp.length }],
            summary: m ? { aupr: m.aupr, auroc: m.auroc, fpr95: m.fpr95 } : { aupr: null, reason: 'no images scored in one of the two sets' },
          };
        },
      };
    }
    case 'imagenet-c': {
      const ds = o.generate ? generatedImagenetC(dataDir, o.generate) : imagenetC(dataDir);
      const items = select(ds.items, o, (it) => `${it.corruption}/${it.severity}`);
      const units = imageUnits(items);
      return {
        name, units, items: items.length, keepIfInputSize: true, columns: null,
        dataInfo: { images: items.length, present: ds.present, missing: ds.missing, unknown_corruptions: ds.unknownCorruptions },
        summarize(records) {
          const rs = recordsOf(units, records);
          const g = counts(rs.map(({ unit, rec }) => {
            const it = items[unit.item];
            return [`${it.corruption}\u0000${it.severity}`, rec.t[0] === it.label];
          }));
          const rows = [...g].map(([k, c]) => {
            const [corruption, severity] = k.split('\u0000');
            return row(c, { corruption, severity: Number(severity) });
          });
          rows.sort((a, b) => a.corruption!.localeCompare(b.corruption!) || a.severity! - b.severity!);
          const s = imagenetCSummary(errorTable(rows.map((r) => ({ corruption: r.corruption!, severity: r.severity!, error: r.error! }))), alexnetC(), o.cleanError ?? null);
          return {
            rows,
            summary: {
              mCE: s.mCE, mCE_reason: s.mCEReason,
              relative_mCE: s.relativeMCE, relative_mCE_reason: s.relativeMCEReason,
              mean_CE_19: s.meanCE19, unnormalized_mean_error_19: s.unnormalizedMeanError19,
              clean_error: s.cleanError, corruptions: s.corruptions, missing: s.missing, units: s.units,
            },
          };
        },
      };
    }
    case 'imagenet-p': {
      const ds = imagenetP(dataDir);
      const difficulty = o.difficulty ?? 1;
      const sel = selectDifficulty(ds, ds.items, difficulty);
      const videos = select(sel.videos, o);
      const units = frameUnits(videos);
      const baseline = o.baseline ?? baselineFromAlexNetP(alexnetP());
      return {
        name, units, items: videos.length, keepIfInputSize: true, columns: null,
        dataInfo: {
          videos: videos.length,
          frames: units.length,
          format: { video: videos.filter((v) => v.format === 'video').length, frames: videos.filter((v) => v.format === 'frames').length },
          perturbations: [...new Set(videos.map((v) => v.perturbation))],
          difficulty,
          noise_folders: sel.noiseFolders,
          ignored_folders: sel.ignoredFolders,
          missing_noise_folders: sel.missingNoiseFolders,
          frame_count_mismatches: ds.frameCountMismatches,
        },
        summarize: (records, failed = []) => summarizeP(videos, units, records, failed, difficulty, baseline),
      };
    }
    case 'imagenet-9': {
      const ds = imagenet9(dataDir);
      const items = select(ds.items, o, (it) => it.variation);
      const units = imageUnits(items);
      return {
        name, units, items: items.length, keepIfInputSize: true, columns: null,
        dataInfo: { images: items.length, variations: ds.variations },
        summarize(records) {
          // records carry r = the IN-9 class of the 1000-way argmax (-1 when unmapped), computed at run time
          const rs = recordsOf(units, records);
          const g = counts(rs.map(({ unit, rec }) => [items[unit.item].variation, rec.r === items[unit.item].label]));
          const s = in9Summary(Object.fromEntries(g));
          return {
            rows: [...g].map(([v, c]) => row(c, { variation: v })),
            summary: { accuracy: s.accuracy, bg_gap: s.bgGap, bg_gap_reason: s.bgGapReason },
          };
        },
      };
    }
  }
}
