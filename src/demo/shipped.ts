// What `lkrobust demo` ships in data/demo/ (written by scripts/train-demo-models.sh, described by its
// manifest.json): two trained models and a held-out slice of the real Fashion-MNIST test images. Read and checked
// here, so the demo can say exactly what it used and fails clearly when a file is missing.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { referenceDataPath } from '../data/reference_data.js';
import { LkrError } from '../util/lkr_error.js';

export interface ShippedModel {
  /** Registry name (`lkrobust models`): the graph the weights load into. */
  name: string;
  kernelSize: number;
  /** Absolute paths of the weights and of the training log (per-epoch accuracy) the script copied. */
  weights: string;
  trainLog: string;
}

export interface ShippedDemo {
  dir: string;
  dataset: { name: string; split: string; images: number; perClass: number; size: number; which: string; source: string; licence: string };
  /** Folder with val/<class>/<image>.png (the layout `train`'s loader reads). */
  slice: string;
  training: { script: string; seed: number; threads: number; epochs: number; note: string };
  /** Smallest kernel first: the baseline of the table's mCE. */
  models: ShippedModel[];
}

export const DEMO_DIR = referenceDataPath('demo');

function shippedError(msg: string): Error {
  return new LkrError('LKR_DATA', `${DEMO_DIR}: ${msg} (the trained demo's files; scripts/train-demo-models.sh makes them)`);
}

export function loadShippedDemo(dir = DEMO_DIR): ShippedDemo {
  const file = path.join(dir, 'manifest.json');
  if (!existsSync(file)) throw shippedError('no manifest.json');
  const m = JSON.parse(readFileSync(file, 'utf8')) as Omit<ShippedDemo, 'dir'> & { models: { name: string; kernelSize: number; weights: string; trainLog: string }[] };
  const models = m.models
    .map((e) => ({ ...e, weights: path.join(dir, e.weights), trainLog: path.join(dir, e.trainLog) }))
    .sort((a, b) => a.kernelSize - b.kernelSize);
  const slice = path.join(dir, m.slice);
  for (const f of [slice, ...models.flatMap((e) => [e.weights, e.trainLog])]) if (!existsSync(f)) throw shippedError(`missing ${path.relative(dir, f)}`);
  return { ...m, dir, slice, models };
}

/** Validation accuracy per epoch from a shipped training log (measured on the full test split). */
export function epochAccuracies(trainLog: string): number[] {
  const log = JSON.parse(readFileSync(trainLog, 'utf8')) as { epochs: { valAcc: number | null }[] };
  return log.epochs.map((e) => e.valAcc ?? NaN);
}
