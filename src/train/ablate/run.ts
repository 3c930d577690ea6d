// The kernel-size ablation end to end: one `train` run per kernel size (src/train/run.ts, the same settings and
// seed, only the kernel changed), then every robustness cell on each trained model, then the table. Resumable at
// both levels: a finished model is loaded, not retrained (an interrupted one resumes from its last epoch), and
// a cell whose file exists is read, not recomputed. Another plan in the same folder is refused.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { toCsv } from '../../report/csv.js';
import { reportHtml } from '../../report/html.js';
import { writeAtomic } from '../../report/run_dir.js';
import { LkrError } from '../../util/lkr_error.js';
import type { Model } from '../../models/model.js';
import type { ImageSet } from '../data.js';
import { buildModel, train, type TrainConfig, type TrainEvents } from '../run.js';
import { type AblateFamily, withKernelSize } from './settings.js';
import { type CellValues, cellIds, type RobustnessOptions, runCell } from './robustness.js';
import { ablationRows, type SizeResult } from './table.js';

export interface AblationPlan {
  family: AblateFamily;
  sizes: number[];
  train: TrainConfig;
  robustness: RobustnessOptions;
}

export interface AblationEvents {
  log?: (s: string) => void;
  /** Events of each training run (progress bars), given the kernel size. */
  trainEvents?: (k: number) => TrainEvents;
  stop?: () => boolean;
}

export interface AblationOutcome {
  /** Models trained (or resumed) by this call, cells computed by this call. */
  trained: number;
  cellsRun: number;
  stopped: boolean;
  resultsFile: string | null;
}

const modelDir = (out: string, k: number) => path.join(out, 'models', `k${k}`);
const cellFile = (out: string, k: number, id: string) => path.join(out, 'cells', `k${k}`, `${id}.json`);

/** Writes plan.json on first use; afterwards the folder only continues the same plan. */
function openPlan(out: string, plan: AblationPlan): void {
  mkdirSync(out, { recursive: true });
  const file = path.join(out, 'plan.json');
  const text = JSON.stringify(plan, null, 2) + '\n';
  if (!existsSync(file)) return writeAtomic(file, text);
  if (readFileSync(file, 'utf8') !== text) throw new LkrError('LKR_ABLATE_MISMATCH', `${out}: holds an ablation with other settings (see ${file}); use another --out`);
}

/** The trained model of size k, training (or resuming) it first unless its run finished. */
async function trainedModel(plan: AblationPlan, k: number, trainSet: ImageSet, valSet: ImageSet, out: string, ev: AblationEvents) {
  const cfg = withKernelSize(plan.train, plan.family, k);
  const dir = modelDir(out, k);
  const weights = path.join(dir, 'model.safetensors');
  let trained = false;
  if (!existsSync(weights)) {
    ev.log?.(`kernel ${k}: training into ${dir}`);
    const r = await train(cfg, trainSet, valSet, dir, ev.trainEvents?.(k) ?? {});
    if (r.stopped) return { model: null, trained: true, valAcc: null };
    trained = true;
  }
  const model: Model = buildModel(cfg, trainSet.classes.length);
  model.loadWeights(weights);
  const log = JSON.parse(readFileSync(path.join(dir, 'train_log.json'), 'utf8')) as { epochs: { valAcc: number | null }[] };
  return { model, trained, valAcc: log.epochs.at(-1)?.valAcc ?? null };
}

export async function runAblation(plan: AblationPlan, trainSet: ImageSet, valSet: ImageSet, out: string, ev: AblationEvents = {}): Promise<AblationOutcome> {
  openPlan(out, plan);
  const outcome: AblationOutcome = { trained: 0, cellsRun: 0, stopped: false, resultsFile: null };
  const results: SizeResult[] = [];
  for (const k of plan.sizes) {
    const t = await trainedModel(plan, k, trainSet, valSet, out, ev);
    if (t.trained) outcome.trained++;
    if (!t.model) return { ...outcome, stopped: true };
    const cells: Record<string, CellValues> = {};
    for (const id of cellIds(plan.robustness)) {
      const file = cellFile(out, k, id);
      if (existsSync(file)) {
        cells[id] = JSON.parse(readFileSync(file, 'utf8')) as CellValues;
        continue;
      }
      if (ev.stop?.()) return { ...outcome, stopped: true };
      const t0 = Date.now();
      cells[id] = await runCell(id, t.model, valSet, plan.robustness);
      mkdirSync(path.dirname(file), { recursive: true });
      writeAtomic(file, JSON.stringify(cells[id]) + '\n');
      outcome.cellsRun++;
      ev.log?.(`kernel ${k}: ${id} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }
    results.push({ kernelSize: k, trainValAcc: t.valAcc, cells });
  }
  outcome.resultsFile = await writeTable(plan, results, out, valSet.labels.length);
  return outcome;
}

/** What results.json says above the rows: the models, the settings that made and measured them, a summary. */
export interface TableHeader {
  model: string;
  config: unknown;
  summary: Record<string, string | number>;
}

/** results.json (header, rows, per-size cells), results.csv (the rows) and report.html (the `report` page). Also
 *  `lkrobust demo`'s writer: its two shipped models are one such table. */
export async function writeAblationTable(out: string, header: TableHeader, results: SizeResult[]): Promise<string> {
  const rows = ablationRows(results);
  const file = path.join(out, 'results.json');
  const doc = { model: header.model, analysis: 'kernel-size-ablation', config: header.config, summary: header.summary, rows, cells: Object.fromEntries(results.map((r) => [`k${r.kernelSize}`, r.cells])) };
  writeAtomic(file, JSON.stringify(doc, null, 2) + '\n');
  writeAtomic(path.join(out, 'results.csv'), toCsv(rows));
  writeFileSync(path.join(out, 'report.html'), (await reportHtml(out)).html);
  return file;
}

function writeTable(plan: AblationPlan, results: SizeResult[], out: string, valImages: number): Promise<string> {
  const summary = { family: plan.family, sizes: plan.sizes.join(','), baseline_kernel: plan.sizes[0]!, val_images: valImages };
  return writeAblationTable(out, { model: `${plan.train.model} (${plan.family})`, config: plan, summary }, results);
}
