// AutoAttack over a dataset, resumable at attack granularity. Images go in chunks (the loader's batches); for each
// chunk the clean predictions, then each attack of the version's list on the chunk's images still robust, each
// (chunk, stage) appended to the run folder's journal as it finishes. A killed run resumes at the first stage a
// chunk lacks: no finished (chunk, attack) is recomputed, and since every attack's randomness is per image (or,
// with APGD's torch stream, seeded afresh for each chunk and attack), the result is the one an uninterrupted run
// gives. Robust accuracy after each attack is the reference's log.
import { batches } from '../../data/loader.js';
import { loadImages } from '../../data/preprocess.js';
import type { Preprocess } from '../../models/registry.js';
import type { Tensor } from '../../native.js';
import type { RunDir } from '../../report/run_dir.js';
import { type AaAttack, type AaConfig, runAaAttack } from './autoattack.js';
import { checkClasses, type CheckFlags, checkRandomized, checkRangeOutput, checkSquare } from './checks.js';
import { argmax } from './common.js';
import type { LossModel } from './loss_model.js';
import { maxPerturbation } from './lp.js';

/** One journal record: stage 0 (clean) p = clean prediction; stage s ≥ 1 p = prediction on attack s's output. */
export interface AaRecord {
  u: number;
  y: number;
  p: number;
  /** Stage ≥ 1: the image had an all-zero DLR gradient. */
  z?: boolean;
  /** Stage ≥ 1: the adversarial image's distance to the clean one (L∞ or L2) when broken. */
  d?: number;
}

export interface AaItem {
  path: string;
  label: number;
  /** Stable index in the limited, unsharded list: seeds this image's random streams. */
  i: number;
}

export interface AaImage {
  index: number;
  path: string;
  label: number;
  clean_pred: number;
  /** 'clean' (misclassified clean), the attack that broke it, or null (robust). */
  broken_by: string | null;
  adv_pred: number;
  perturbation: number | null;
}

export interface AaStep {
  attack: string;
  robust_accuracy: number;
  robust: number;
  attacked: number;
  broken: number;
}

export interface AaOutcome {
  clean_accuracy: number;
  robust_accuracy: number;
  /** The reference's log: clean accuracy, then robust accuracy after each attack. */
  log: AaStep[];
  images: AaImage[];
  flags: CheckFlags;
  complete: boolean;
  failed: { path: string; error: string }[];
  timing: { seconds: number; engine_seconds: number; images_per_second: number; resumed_stages: number };
}

export interface AaProgress {
  done: number;
  total: number;
  stage: string;
  imagesPerSecond: number;
}

const STAGES = 16; // journal key = chunk * STAGES + stage

export async function runAutoAttack(
  model: LossModel,
  pre: Preprocess,
  items: readonly AaItem[],
  c: AaConfig,
  run: RunDir<AaRecord>,
  o: { batchSize: number; onProgress?: (p: AaProgress) => void; shouldStop?: () => boolean },
): Promise<AaOutcome> {
  if (c.attacks.length + 1 > STAGES) throw new RangeError(`AutoAttack: at most ${STAGES - 1} attacks in a list`);
  const t0 = performance.now();
  let engine = 0;
  const timed = async <T>(f: () => Promise<T>): Promise<T> => {
    const e0 = performance.now();
    try {
      return await f();
    } finally {
      engine += (performance.now() - e0) / 1000;
    }
  };
  const journal = run.done();
  const resumedStages = journal.size;
  const chunks = Math.ceil(items.length / o.batchSize);
  const complete = new Set<number>();
  for (let k = 0; k < chunks; k++) if (journal.has(k * STAGES + c.attacks.length)) complete.add(k);

  // The reference's checks, on the first batch (recomputed on resume: a few forward passes).
  const first = items.slice(0, o.batchSize);
  const x0 = first.length ? await loadImages(first.map((it) => it.path), pre) : null;
  const flags: CheckFlags = { randomized: false, softmax_output: false, dynamic: false, n_classes: null, zero_gradient: 0, square_better: false };
  if (x0) {
    const labels0 = first.map((it) => it.label);
    if (c.version !== 'rand') flags.randomized = await timed(() => checkRandomized(model, x0, labels0));
    const range = await timed(() => checkRangeOutput(model, x0));
    flags.softmax_output = range.softmax;
    flags.n_classes = checkClasses(range.classes, c.attacks, c.apgdT.targetClasses, c.fab.targetClasses);
  }

  let fresh = 0;
  let stopped = false;
  for await (const batch of batches(items, pre, { batchSize: o.batchSize, skip: complete })) {
    const key = (s: number) => batch.index * STAGES + s;
    const n = batch.items.length;
    const per = n ? batch.x.data.length / n : 0;
    const labels = batch.items.map((it) => it.label);
    const ids = batch.items.map((it) => it.i);
    let robust: boolean[];
    if (journal.has(key(0))) {
      const p = new Map(journal.get(key(0))!.records.map((r) => [r.u, r.p]));
      robust = batch.items.map((it) => p.get(it.i) === it.label);
    } else {
      const pred = n ? argmax((await timed(() => model.forward(batch.x))).logits) : [];
      const recs = batch.items.map((it, b) => ({ u: it.i, y: it.label, p: pred[b] }));
      run.append({ batch: key(0), records: recs, failed: batch.failed.map((f) => ({ path: f.item.path, error: f.error })) });
      journal.set(key(0), { batch: key(0), records: recs, failed: [] });
      robust = pred.map((p, b) => p === labels[b]);
    }
    for (let s = 1; s <= c.attacks.length; s++) {
      const name = c.attacks[s - 1];
      const line = journal.get(key(s));
      if (line) {
        for (const r of line.records) if (r.p !== r.y) robust[batch.items.findIndex((it) => it.i === r.u)] = false;
        continue;
      }
      const rows = robust.map((r, b) => (r ? b : -1)).filter((b) => b >= 0);
      const recs: AaRecord[] = [];
      if (rows.length) {
        const xs = new Float32Array(rows.length * per);
        rows.forEach((b, a) => xs.set(batch.x.data.subarray(b * per, (b + 1) * per), a * per));
        const x: Tensor = { shape: [rows.length, ...batch.x.shape.slice(1)], data: xs };
        const lab = rows.map((b) => labels[b]);
        const res = await timed(() => runAaAttack(model, name, c, x, lab, rows.map((b) => ids[b])));
        // The reference's verdict: the attack's output classified again.
        const pred = argmax((await timed(() => model.forward(res.x))).logits);
        rows.forEach((b, a) => {
          const r: AaRecord = { u: ids[b], y: labels[b], p: pred[a] };
          if (res.zeroGradient[a]) r.z = true;
          if (pred[a] !== lab[a]) {
            robust[b] = false;
            r.d = maxPerturbation(res.x.data.subarray(a * per, (a + 1) * per), xs.subarray(a * per, (a + 1) * per), 1, per, c.norm);
          }
          recs.push(r);
        });
      }
      run.append({ batch: key(s), records: recs, failed: [] });
      journal.set(key(s), { batch: key(s), records: recs, failed: [] });
      const wall = (performance.now() - t0) / 1000;
      fresh += s === c.attacks.length ? n : 0;
      o.onProgress?.({ done: Math.min(items.length, batch.index * o.batchSize + n), total: items.length, stage: name, imagesPerSecond: fresh / wall });
      if (o.shouldStop?.()) {
        stopped = true;
        break;
      }
    }
    if (stopped) break;
  }
  const out = summarizeAutoAttack(journal, items, c);
  flags.zero_gradient = out.zeroGradient;
  flags.square_better = checkSquare(Object.fromEntries(out.log.map((s) => [s.attack, s.robust_accuracy])));
  const seconds = (performance.now() - t0) / 1000;
  const failed = [...journal.values()].flatMap((l) => l.failed);
  return {
    clean_accuracy: out.log[0].robust_accuracy,
    robust_accuracy: out.log[out.log.length - 1].robust_accuracy,
    log: out.log,
    images: out.images,
    flags,
    complete: !stopped && out.finished === items.length - failed.length,
    failed,
    timing: { seconds, engine_seconds: engine, images_per_second: fresh / Math.max(seconds, 1e-9), resumed_stages: resumedStages },
  };
}

/** Per-image records and the per-attack log from journal lines (also what merging shards uses). */
export function summarizeAutoAttack(journal: Map<number, { records: AaRecord[] }>, items: readonly AaItem[], c: AaConfig) {
  const byIndex = new Map(items.map((it) => [it.i, it]));
  const images = new Map<number, AaImage>();
  const stageOf = new Map<number, number>(); // last stage journalled per image
  let zeroGradient = 0;
  const keys = [...journal.keys()].sort((a, b) => a - b);
  for (const k of keys) {
    const s = k % STAGES;
    for (const r of journal.get(k)!.records) {
      const it = byIndex.get(r.u);
      if (s === 0) {
        images.set(r.u, { index: r.u, path: it?.path ?? '', label: r.y, clean_pred: r.p, broken_by: r.p === r.y ? null : 'clean', adv_pred: r.p, perturbation: r.p === r.y ? null : 0 });
        stageOf.set(r.u, 0);
        continue;
      }
      const im = images.get(r.u);
      if (!im) continue;
      if (r.z) zeroGradient++;
      if (im.broken_by === null && r.p !== r.y) {
        im.broken_by = c.attacks[s - 1];
        im.adv_pred = r.p;
        im.perturbation = r.d ?? null;
      }
      stageOf.set(r.u, s);
    }
  }
  // An image is finished when every stage of its chunk is journalled (robust ones were attacked by all).
  const chunkDone = new Set<number>();
  for (const k of keys) if (k % STAGES === c.attacks.length) chunkDone.add(Math.floor(k / STAGES));
  const finishedImages = [...images.values()].filter((im) => {
    for (const k of keys) if (k % STAGES === 0 && journal.get(k)!.records.some((r) => r.u === im.index)) return chunkDone.has(Math.floor(k / STAGES));
    return false;
  });
  const log = attackLog(finishedImages, c.attacks);
  return { log, images: finishedImages.sort((a, b) => a.index - b.index), finished: finishedImages.length, zeroGradient };
}

/** The reference's log from per-image verdicts: clean accuracy, then robust accuracy after each attack in order. */
export function attackLog(images: readonly AaImage[], attacks: readonly string[]): AaStep[] {
  const n = images.length;
  const log: AaStep[] = [];
  let robust = images.filter((im) => im.broken_by !== 'clean').length;
  log.push({ attack: 'clean', robust_accuracy: n ? robust / n : 0, robust, attacked: n, broken: n - robust });
  for (const a of attacks) {
    const broken = images.filter((im) => im.broken_by === a).length;
    log.push({ attack: a, robust_accuracy: n ? (robust - broken) / n : 0, robust: robust - broken, attacked: robust, broken });
    robust -= broken;
  }
  return log;
}

/** Finished shard results (results.json of `--shard i/n` runs, checked by the caller) joined into one. */
export function mergeAutoAttackResults(parts: Record<string, unknown>[]) {
  const first = parts[0] as Record<string, unknown> & { attacks: string[]; flags: Record<string, unknown>; data: Record<string, unknown> };
  const images = parts.flatMap((p) => p.per_image as AaImage[]).sort((a, b) => a.index - b.index);
  const log = attackLog(images, first.attacks);
  const flags = { ...first.flags };
  flags.zero_gradient = parts.reduce((s, p) => s + ((p.flags as { zero_gradient: number }).zero_gradient ?? 0), 0);
  for (const k of ['randomized', 'softmax_output', 'dynamic', 'square_better'] as const) flags[k] = parts.some((p) => (p.flags as Record<string, boolean>)[k]);
  flags.square_better = checkSquare(Object.fromEntries(log.map((s) => [s.attack, s.robust_accuracy])));
  return {
    ...first,
    clean_accuracy: log[0].robust_accuracy,
    robust_accuracy: log[log.length - 1].robust_accuracy,
    log,
    flags,
    complete: true,
    images: images.length,
    per_image: images,
    failed_images: parts.flatMap((p) => p.failed_images as unknown[]),
    data: { ...first.data, images: parts.reduce((s, p) => s + ((p.data as { images: number }).images ?? 0), 0) },
    timing: null,
  };
}
