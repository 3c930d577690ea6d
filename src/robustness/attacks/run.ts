// An attack over a dataset: batches of images, every (ε, steps) of the sweep, the predictions of each scoring
// model kept per image in the run folder's journal as each batch finishes (a killed run resumes), then rows.
//
// White-box: the crafting model scores its own adversarial images as they are (float, in [0,1]).
// Transfer: images are crafted once per (ε, steps) on the surrogate and reused for every target. As the
// released TAIG evaluation does, each adversarial image is stored on the uint8 grid (rounded, kept inside its
// ε-ball) and put through the *target's* preprocessing (resize, centre crop) like an image file; each target's
// clean prediction comes from the original file through its own preprocessing.
import sharp from 'sharp';

import { batches } from '../../data/loader.js';
import { loadImageInto, loadImages } from '../../data/preprocess.js';
import type { Preprocess } from '../../models/registry.js';
import type { Tensor } from '../../native.js';
import type { RunDir } from '../../report/run_dir.js';
import { centerCropTensor } from '../released/interpolate.js';
import { type AttackModel, argmax, type Checkpoint } from './common.js';
import { fgsm } from './fgsm.js';
import { pgdIterates } from './pgd.js';
import { TAIG_DEFAULTS, taigIterates } from './taig.js';

export const ATTACKS = ['fgsm', 'pgd', 'taig-s', 'taig-r'] as const;
export type AttackName = (typeof ATTACKS)[number];

export interface AttackPlan {
  attack: AttackName;
  /** ε values as given (in the units of epsSpace). */
  eps: number[];
  /** Per ε: the per-channel budget in pixel units on the crafting model's input. */
  epsPixel: number[][];
  /** Per ε: the per-channel step size in pixel units, or null for the attack's default (PGD ε/4, TAIG 1/255). */
  alphaPixel: number[][] | null;
  /** Step counts (PGD steps, TAIG iterations); FGSM: [1]. */
  steps: number[];
  randomStart: boolean;
  seed: number;
  /** TAIG: S (S + 1 path points). */
  points: number;
  /** TAIG: at most this many path points per engine call (0: all of a batch in one call). */
  pointsPerCall: number;
  /** Units ε was given in (rows then also carry eps_pixel when 'normalized'). Default 'pixel'. */
  epsSpace?: 'pixel' | 'normalized';
}

/** The defaults per attack (REFERENCE.md §8). */
export function defaultSteps(attack: AttackName): number[] {
  return attack === 'fgsm' ? [1] : attack === 'pgd' ? [5] : [TAIG_DEFAULTS.iterations];
}

/** The step size actually used, per ε and channel (pixel units). */
export function effectiveAlpha(plan: AttackPlan, e: number): number[] {
  if (plan.alphaPixel) return plan.alphaPixel[e];
  if (plan.attack === 'pgd') return plan.epsPixel[e].map((v) => v / 4);
  if (plan.attack === 'fgsm') return plan.epsPixel[e];
  return plan.epsPixel[e].map(() => TAIG_DEFAULTS.alpha);
}

export interface Scorer {
  name: string;
  model: AttackModel;
  preprocess: Preprocess;
}

export interface AttackItem {
  path: string;
  label: number;
  /** Stable index (position in the limited, unsharded list): seeds this image's random streams. */
  i: number;
}

/** Per image: clean prediction per scorer (c), and per row (ε-major, then steps) the prediction per scorer (a). */
export interface AttackRecord {
  u: number;
  y: number;
  c: number[];
  a: number[][];
}

export interface AttackRow {
  model?: string;
  eps: number;
  eps_pixel?: number[];
  steps: number;
  n: number;
  clean_correct: number;
  adv_correct: number;
  accuracy: number;
  success_rate: number;
  success_rate_conditional: number | null;
  note?: string;
}

export interface AttackProgress {
  done: number;
  total: number;
  imagesPerSecond: number;
  engineBusy: number;
}

export interface AttackRunOptions {
  batchSize: number;
  /**
   * `--protocol released` for TAIG: batches are decoded at the crafting loader's warp size and centre-cropped to
   * `crop`; every scorer reads the clean and the adversarial inputs as the released test does (`scoreInput`:
   * uint8 → its own resize and crop), instead of its own preprocessing.
   */
  released?: { crop: number; toUint8: (x: Float32Array) => Uint8Array; scoreInput: (u8: Uint8Array, n: number, size: number) => Tensor };
  onProgress?: (p: AttackProgress) => void;
  shouldStop?: () => boolean;
}

export interface AttackOutcome {
  rows: AttackRow[];
  complete: boolean;
  images: number;
  failed: { path: string; error: string }[];
  timing: { seconds: number; engine_seconds: number; images_per_second: number; engine_busy: number; resumed_images: number };
}

function samePreprocess(a: Preprocess, b: Preprocess): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The iterates of the planned attack at ε index e, at every planned step count. */
export function iterates(model: AttackModel, x: Tensor, labels: number[], ids: number[], plan: AttackPlan, e: number): AsyncGenerator<Checkpoint> {
  const eps = plan.epsPixel[e];
  const alpha = plan.alphaPixel?.[e];
  const common = { checkpoints: plan.steps, seed: plan.seed, ids };
  switch (plan.attack) {
    case 'fgsm':
      return (async function* () {
        const r = await fgsm(model, x, labels, { eps });
        yield { steps: 1, x: r.x };
      })();
    case 'pgd':
      return pgdIterates(model, x, labels, { ...common, eps, alpha, randomStart: plan.randomStart });
    case 'taig-s':
    case 'taig-r':
      return taigIterates(model, x, labels, {
        ...common,
        eps,
        alpha,
        path: plan.attack === 'taig-r' ? 'random' : 'straight',
        points: plan.points,
        pointsPerCall: plan.pointsPerCall > 0 ? plan.pointsPerCall : undefined,
      });
  }
}

/**
 * One image of the crafting model's input, onto the uint8 grid inside its ε-ball (x0 is on the grid: the
 * loader decodes uint8), as a PNG a target's preprocessing can read like any image file.
 */
export async function quantizedPng(adv: Float32Array, x0: Float32Array, eps: number[], size: number): Promise<Buffer> {
  const c = eps.length;
  const steps = eps.map((e) => Math.floor(e * 255 + 1e-6));
  const buf = Buffer.alloc(adv.length);
  for (let i = 0; i < adv.length; i++) {
    const base = Math.round(x0[i] * 255);
    let q = Math.round(adv[i] * 255);
    const k = steps[i % c];
    q = Math.min(Math.max(q, base - k), base + k);
    buf[i] = Math.min(255, Math.max(0, q));
  }
  return sharp(buf, { raw: { width: size, height: size, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
}

export async function runAttack(
  crafter: Scorer,
  targets: Scorer[] | null,
  items: readonly AttackItem[],
  plan: AttackPlan,
  run: RunDir<AttackRecord>,
  o: AttackRunOptions,
): Promise<AttackOutcome> {
  const steps = [...plan.steps].sort((a, b) => a - b);
  if (new Set(steps).size !== steps.length) throw new RangeError(`steps: repeated values in ${plan.steps.join(',')}`);
  const scorers = targets ?? [crafter];
  const journal = run.done();
  const records = new Map<number, AttackRecord>();
  const failed: { path: string; error: string }[] = [];
  for (const line of journal.values()) {
    for (const r of line.records) records.set(r.u, r);
    failed.push(...line.failed);
  }
  const resumed = records.size + failed.length;
  const t0 = performance.now();
  let engine = 0;
  let fresh = 0;
  let stopped = false;
  const timed = async <T>(p: () => Promise<T>): Promise<T> => {
    const e0 = performance.now();
    try {
      return await p();
    } finally {
      engine += (performance.now() - e0) / 1000;
    }
  };
  const rel = o.released;
  const size = rel ? rel.crop : crafter.preprocess.inputSize;
  const per = size * size * 3;
  for await (const loaded of batches(items, crafter.preprocess, { batchSize: o.batchSize, skip: new Set(journal.keys()) })) {
    const batch = rel && loaded.items.length ? { ...loaded, x: centerCropTensor(loaded.x, rel.crop) } : loaded;
    const n = batch.items.length;
    const recs: AttackRecord[] = batch.items.map((it) => ({ u: it.i, y: it.label, c: [], a: [] }));
    if (n) {
      const labels = batch.items.map((it) => it.label);
      const ids = batch.items.map((it) => it.i);
      // Clean predictions of every scorer (a target reads the original files through its own preprocessing).
      for (const s of scorers) {
        if (rel) {
          const pred = argmax((await timed(() => s.model.forward(rel.scoreInput(rel.toUint8(batch.x.data), n, size)))).logits);
          pred.forEach((p, b) => recs[b].c.push(p));
          continue;
        }
        const xs = s === crafter || samePreprocess(s.preprocess, crafter.preprocess) ? batch.x : await loadImages(batch.items.map((it) => it.path), s.preprocess);
        const pred = argmax((await timed(() => s.model.forward(xs))).logits);
        pred.forEach((p, b) => recs[b].c.push(p));
      }
      for (let e = 0; e < plan.eps.length; e++) {
        const found = new Map<number, Checkpoint>();
        const it = iterates(crafter.model, batch.x, labels, ids, plan, e);
        for (;;) {
          const next = await timed(() => it.next());
          if (next.done) break;
          found.set(next.value.steps, next.value);
          const cp = next.value;
          const preds: number[][] = []; // per scorer
          for (const s of scorers) {
            if (rel) {
              preds.push(argmax((await timed(() => s.model.forward(rel.scoreInput(rel.toUint8(cp.x.data), n, size)))).logits));
              continue;
            }
            if (!targets) {
              preds.push(argmax(cp.logits ?? (await timed(() => s.model.forward(cp.x))).logits));
              continue;
            }
            const xs = new Float32Array(n * s.preprocess.inputSize * s.preprocess.inputSize * 3);
            const ts = s.preprocess.inputSize ** 2 * 3;
            for (let b = 0; b < n; b++) {
              const png = await quantizedPng(cp.x.data.subarray(b * per, (b + 1) * per), batch.x.data.subarray(b * per, (b + 1) * per), plan.epsPixel[e], size);
              await loadImageInto(png, s.preprocess, xs, b * ts);
            }
            preds.push(argmax((await timed(() => s.model.forward({ shape: [n, s.preprocess.inputSize, s.preprocess.inputSize, 3], data: xs }))).logits));
          }
          const row = e * steps.length + steps.indexOf(cp.steps);
          for (let b = 0; b < n; b++) recs[b].a[row] = preds.map((p) => p[b]);
        }
        for (const s of steps) if (!found.has(s)) throw new Error(`internal: the ${plan.attack} run did not report step ${s}`);
      }
    }
    const bad = batch.failed.map((f) => ({ path: f.item.path, error: f.error }));
    run.append({ batch: batch.index, records: n ? recs : [], failed: bad });
    for (const r of n ? recs : []) records.set(r.u, r);
    failed.push(...bad);
    fresh += n + bad.length;
    const wall = (performance.now() - t0) / 1000;
    o.onProgress?.({ done: records.size + failed.length, total: items.length, imagesPerSecond: fresh / wall, engineBusy: engine / wall });
    if (o.shouldStop?.()) {
      stopped = true;
      break;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    rows: summarizeAttack(records.values(), plan, targets ? targets.map((t) => t.name) : null),
    complete: !stopped && records.size + failed.length === items.length,
    images: records.size,
    failed,
    timing: {
      seconds,
      engine_seconds: engine,
      images_per_second: fresh / Math.max(seconds, 1e-9),
      engine_busy: engine / Math.max(seconds, 1e-9),
      resumed_images: resumed,
    },
  };
}

/** Rows per (target,) ε and steps from the per-image records. `targets` null: white-box (one scorer, no model column). */
export function summarizeAttack(records: Iterable<AttackRecord>, plan: AttackPlan, targets: string[] | null): AttackRow[] {
  const recs = [...records].sort((a, b) => a.u - b.u);
  const steps = [...plan.steps].sort((a, b) => a - b);
  const rows: AttackRow[] = [];
  const names = targets ?? [null];
  names.forEach((name, s) => {
    for (let e = 0; e < plan.eps.length; e++) {
      steps.forEach((st, k) => {
        const r = e * steps.length + k;
        let clean = 0;
        let adv = 0;
        let both = 0;
        for (const rec of recs) {
          const c = rec.c[s] === rec.y;
          const a = rec.a[r][s] === rec.y;
          if (c) clean++;
          if (a) adv++;
          if (c && a) both++;
        }
        const n = recs.length;
        const row: AttackRow = {
          ...(name !== null ? { model: name } : {}),
          eps: plan.eps[e],
          ...(plan.epsSpace === 'normalized' ? { eps_pixel: plan.epsPixel[e] } : {}),
          steps: st,
          n,
          clean_correct: clean,
          adv_correct: adv,
          accuracy: n ? adv / n : 0,
          success_rate: n ? 1 - adv / n : 0,
          success_rate_conditional: clean ? (clean - both) / clean : null,
        };
        const note = reachNote(plan, e, st);
        if (note) row.note = note;
        rows.push(row);
      });
    }
  });
  return rows;
}

/** When the steps cannot reach the ε-ball's surface (TAIG, or PGD without a random start): say so. */
export function reachNote(plan: AttackPlan, e: number, steps: number): string | null {
  if (plan.attack === 'fgsm' || (plan.attack === 'pgd' && plan.randomStart)) return null;
  const alpha = effectiveAlpha(plan, e);
  const eps = plan.epsPixel[e];
  if (!eps.some((v, c) => v > steps * alpha[c] + 1e-12)) return null;
  const reach = alpha.map((a) => +(steps * a).toPrecision(4));
  return `ε exceeds steps × α = ${reach.length > 1 && reach.some((v) => v !== reach[0]) ? `(${reach.join(', ')})` : reach[0]} (pixel units): the ε-ball is not fully reachable`;
}
