// `lkrobust demo` (the default): the shipped small-kernel and large-kernel models side by side on the shipped
// held-out slice of real Fashion-MNIST test images — clean, corrupted (ImageNet-C kernels), randomly occluded,
// PGD-attacked and band-limited-noise accuracy, and the kernel attention distance — measured by the kernel-size
// ablation's own cells (src/train/ablate/robustness.ts) and written as its table (results.json, results.csv,
// report.html). Sized to finish well under two minutes on two CPU cores.
import { mkdirSync } from 'node:fs';

import { Model } from '../models/model.js';
import { loadSplit } from '../train/data.js';
import { cellIds, type CellValues, type RobustnessOptions, runCell } from '../train/ablate/robustness.js';
import { writeAblationTable } from '../train/ablate/run.js';
import { ablationRows, type Row, type SizeResult } from '../train/ablate/table.js';
import { epochAccuracies, loadShippedDemo, type ShippedDemo } from './shipped.js';

/** A few of each measurement: enough to show the contrast, small enough for the two-minute budget. */
export function demoMeasurements(imageSize: number, batch: number): RobustnessOptions {
  return {
    // Two of each ImageNet-C group: noise, blur, weather, digital.
    corruptions: ['gaussian_noise', 'shot_noise', 'defocus_blur', 'motion_blur', 'fog', 'brightness', 'contrast', 'jpeg_compression'],
    severities: [1, 3, 5],
    occlusionRatios: [0.2, 0.4, 0.6, 0.8],
    // The paper's 16-pixel patches of a 224 image (a 14×14 grid), at this size (as `ablate` does).
    patch: Math.max(1, Math.floor(imageSize / 14)),
    pgdEps: [1 / 255, 2 / 255, 4 / 255],
    pgdSteps: 5,
    bands: [0, 0.2, 0.4, 0.6, 0.8],
    bandEps: 0.1,
    seed: 0,
    batch,
  };
}

/** Plain words on what the demo runs, printed before the table and kept in results.json. */
export function describeDemo(d: ShippedDemo): string[] {
  const ds = d.dataset;
  return [
    `models: ${d.models.map((m) => `${m.name} (depthwise kernel ${m.kernelSize})`).join(' and ')} — small ConvNeXts ` +
      `identical but for the kernel, trained by lkrobust itself on the ${ds.name} training set (${d.training.epochs} epochs, ` +
      `seed ${d.training.seed}, LKR_NUM_THREADS=${d.training.threads}; ${d.training.script} reproduces the weights)`,
    `weights: ${d.models.map((m) => m.weights).join(', ')}`,
    `data: ${ds.images} real ${ds.name} ${ds.split} images (${ds.which}; ${ds.size}×${ds.size}), never used for training: ${d.slice}`,
    `source: ${ds.source}; licence: ${ds.licence}`,
    `note: ${d.training.note}`,
  ];
}

export interface TrainedDemoResult {
  seconds: number;
  resultsFile: string;
  rows: Row[];
  about: string[];
}

export async function runTrainedDemo(out: string, batch: number, log: (s: string) => void): Promise<TrainedDemoResult> {
  const t0 = performance.now();
  const shipped = loadShippedDemo();
  const about = describeDemo(shipped);
  for (const line of about) log(`demo: ${line}`);
  const slice = await loadSplit(shipped.slice, 'val', shipped.dataset.size);
  const measure = demoMeasurements(slice.size, batch);
  const results: SizeResult[] = [];
  for (const m of shipped.models) {
    const model = new Model(m.name);
    model.loadWeights(m.weights);
    const cells: Record<string, CellValues> = {};
    for (const id of cellIds(measure)) cells[id] = await runCell(id, model, slice, measure);
    results.push({ kernelSize: m.kernelSize, trainValAcc: epochAccuracies(m.trainLog).at(-1) ?? null, cells });
    log(`demo: ${m.name} measured (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  mkdirSync(out, { recursive: true });
  const seconds = (performance.now() - t0) / 1000;
  const header = {
    model: shipped.models.map((m) => m.name).join(' vs '),
    config: { about, models: shipped.models.map((m) => ({ name: m.name, kernelSize: m.kernelSize })), dataset: shipped.dataset, training: shipped.training, measurements: measure },
    summary: { dataset: `${shipped.dataset.name} ${shipped.dataset.split} slice`, val_images: slice.labels.length, sizes: shipped.models.map((m) => m.kernelSize).join(','), baseline_kernel: shipped.models[0]!.kernelSize, seconds: Number(seconds.toFixed(1)) },
  };
  const resultsFile = await writeAblationTable(out, header, results);
  return { seconds, resultsFile, rows: ablationRows(results), about };
}
