// ImageNet-P flip probability and top-5 distance (REFERENCE §4.1–4.2, hendrycks ImageNet-P/test.py).
// Per video: an indicator / distance for each frame pair, averaged within the video; per perturbation: the
// average over videos. Pairs: noise perturbations compare every frame j ≥ 1 with frame 0; the others compare
// consecutive frames of each stride-d chain (difficulty d: chains i, i+d, i+2d, … for i < d).
// Frame rankings follow scipy rankdata(−logits, 'ordinal'): larger logit first, ties by lower class index.
// Raw FP and uT5D are fractions / mean distances; FR, T5D, mFR, mT5D need an AlexNet baseline.
import { type Logits, logitsShape, topk } from './classification.js';

/** The 10 perturbations of mFR / mT5D (generator section "Test Data"). */
export const P_TEST_PERTURBATIONS = [
  'gaussian_noise',
  'shot_noise',
  'motion_blur',
  'zoom_blur',
  'snow',
  'brightness',
  'translate',
  'rotate',
  'tilt',
  'scale',
] as const;

/** The 4 validation perturbations (reported, never in mFR / mT5D). */
export const P_VALIDATION_PERTURBATIONS = ['speckle_noise', 'gaussian_blur', 'spatter', 'shear'] as const;

/** Noise perturbations (name contains "noise", harder variants `_2`, `_3` included) compare with frame 0. */
export function isNoisePerturbation(name: string): boolean {
  return name.includes('noise');
}

/** Frames a released video has: 41 for translate, 31 for every other perturbation. */
export function expectedFrameCount(perturbation: string): number {
  return perturbation.replace(/_[23]$/, '') === 'translate' ? 41 : 31;
}

/** A video's per-frame top-5 classes, best first: top5[t*5 .. t*5+5). top5[t*5] is frame t's prediction. */
export interface VideoRanking {
  frames: number;
  top5: Int32Array;
}

/** The top-5 ranking of each frame from (T, K) logits, K ≥ 5. */
export function videoRanking(logits: Logits): VideoRanking {
  const [t, k] = logitsShape(logits, 'videoRanking');
  if (k < 5) throw new RangeError(`videoRanking: needs at least 5 classes, received ${k}`);
  return { frames: t, top5: topk(logits, 5) };
}

/**
 * Top-5 distance between two frames given their top-5 lists (best first): with σ(i) the rank in b of the
 * class ranked i in a, Σ_{i=1..5} |min(i−1, 5) − min(σ(i)−1, 5)|, i.e. |i − σ(i)| when σ(i) ≤ 6, else 6 − i.
 * Ranks beyond 5 all cap to the same value, so b's top-5 is all that is needed. Range 0..15.
 */
export function top5Distance(a: ArrayLike<number>, b: ArrayLike<number>, aOff = 0, bOff = 0): number {
  let d = 0;
  for (let i = 0; i < 5; i++) {
    const c = a[aOff + i];
    let r = 5; // 0-based rank in b, capped at 5 (= "6 or later")
    for (let j = 0; j < 5; j++) {
      if (b[bOff + j] === c) {
        r = j;
        break;
      }
    }
    d += Math.abs(i - r);
  }
  return d;
}

export interface PairingOptions {
  /** Compare every frame with frame 0 (noise perturbations). */
  noise: boolean;
  /** Stride d ≥ 1 of the temporal chains (default 1). Ignored for noise, whose harder levels are separate folders. */
  difficulty?: number;
}

/** The frame pairs (a, b) scored for a video of `frames` frames, in test.py's order. */
export function framePairs(frames: number, opts: PairingOptions): [number, number][] {
  const pairs: [number, number][] = [];
  if (opts.noise) {
    for (let j = 1; j < frames; j++) pairs.push([0, j]);
    return pairs;
  }
  const d = opts.difficulty ?? 1;
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`framePairs: difficulty must be an integer ≥ 1, received ${d}`);
  for (let i = 0; i < d; i++) {
    for (let j = i + d; j < frames; j += d) pairs.push([j - d, j]);
  }
  return pairs;
}

/** One video's scores: mean flip indicator and mean top-5 distance over its pairs. */
export interface VideoScore {
  flip: number;
  t5d: number;
  pairs: number;
}

/** Scores one video from its ranking (or its (T, K) logits). */
export function videoScore(video: VideoRanking | Logits, opts: PairingOptions): VideoScore {
  const r = 'top5' in video ? video : videoRanking(video);
  if (r.top5.length !== r.frames * 5) throw new TypeError(`videoScore: ${r.frames} frames need ${r.frames * 5} top-5 entries, received ${r.top5.length}`);
  const pairs = framePairs(r.frames, opts);
  if (pairs.length === 0) {
    throw new RangeError(`videoScore: a video of ${r.frames} frames has no frame pairs (difficulty ${opts.noise ? 1 : opts.difficulty ?? 1})`);
  }
  let flips = 0;
  let dist = 0;
  for (const [a, b] of pairs) {
    if (r.top5[a * 5] !== r.top5[b * 5]) flips++;
    dist += top5Distance(r.top5, r.top5, a * 5, b * 5);
  }
  return { flip: flips / pairs.length, t5d: dist / pairs.length, pairs: pairs.length };
}

/** Raw scores of one perturbation: FP and uT5D = averages over videos of the per-video averages. */
export interface PerturbationRaw {
  fp: number;
  ut5d: number;
  videos: number;
}

export function perturbationScore(videos: readonly VideoScore[]): PerturbationRaw {
  if (videos.length === 0) throw new RangeError('perturbationScore: no videos');
  let fp = 0;
  let t5 = 0;
  for (const v of videos) {
    fp += v.flip;
    t5 += v.t5d;
  }
  return { fp: fp / videos.length, ut5d: t5 / videos.length, videos: videos.length };
}

/** AlexNet (or any reference model's) raw values per perturbation: fp = its FP, t5d = its uT5D. */
export type PBaseline = Record<string, { fp: number; t5d: number }>;

/** The entries of data/alexnet_p.json that are known (both numbers non-null); null when none are. */
export function baselineFromAlexNetP(file: {
  flip_rate: Record<string, number | null>;
  top5_distance: Record<string, number | null>;
}): PBaseline | null {
  const out: PBaseline = {};
  for (const [p, fp] of Object.entries(file.flip_rate)) {
    const t5d = file.top5_distance[p];
    if (typeof fp === 'number' && typeof t5d === 'number') out[p] = { fp, t5d };
  }
  return Object.keys(out).length ? out : null;
}

export interface PerturbationSummary {
  perturbation: string;
  /** In the 10 of mFR / mT5D. */
  test: boolean;
  fp: number;
  ut5d: number;
  videos: number | null;
  /** FP / FP_baseline; null without a usable baseline entry. */
  fr: number | null;
  /** uT5D / uT5D_baseline; null without a usable baseline entry. */
  t5d: number | null;
}

export interface ImageNetPSummary {
  perturbations: PerturbationSummary[];
  /** Mean FR over the 10 test perturbations; null with the reason when any raw value or baseline is missing. */
  mFR: number | null;
  mT5D: number | null;
  reason: string | null;
  baselineGiven: boolean;
}

/**
 * Per-perturbation raw values always; FR and T5D against `baseline` where it has the perturbation (and a
 * positive value); mFR / mT5D only when all 10 test perturbations have both.
 */
export function imagenetPSummary(
  raw: Record<string, { fp: number; ut5d: number; videos?: number }>,
  baseline: PBaseline | null = null,
): ImageNetPSummary {
  const testSet: readonly string[] = P_TEST_PERTURBATIONS;
  const order = [
    ...testSet.filter((p) => p in raw),
    ...P_VALIDATION_PERTURBATIONS.filter((p) => p in raw),
    ...Object.keys(raw)
      .filter((p) => !testSet.includes(p) && !(P_VALIDATION_PERTURBATIONS as readonly string[]).includes(p))
      .sort(),
  ];
  const perturbations = order.map((p): PerturbationSummary => {
    const r = raw[p];
    for (const [k, v] of [['fp', r.fp], ['ut5d', r.ut5d]] as const) {
      if (!Number.isFinite(v) || v < 0) throw new RangeError(`imagenetPSummary: ${p} ${k} is ${v}, expected a finite value ≥ 0`);
    }
    const b = baseline?.[p];
    return {
      perturbation: p,
      test: testSet.includes(p),
      fp: r.fp,
      ut5d: r.ut5d,
      videos: r.videos ?? null,
      fr: b && b.fp > 0 ? r.fp / b.fp : null,
      t5d: b && b.t5d > 0 ? r.ut5d / b.t5d : null,
    };
  });
  const missingRaw = testSet.filter((p) => !(p in raw));
  const missingBase = testSet.filter((p) => !(baseline?.[p] && baseline[p].fp > 0 && baseline[p].t5d > 0));
  let reason: string | null = null;
  if (missingRaw.length) reason = `mFR/mT5D need all 10 test perturbations; not scored: ${missingRaw.join(', ')}`;
  if (!baseline) reason = (reason ? reason + '; ' : '') + 'no baseline given (AlexNet ImageNet-P values are not published: REFERENCE §4.2)';
  else if (missingBase.length) reason = (reason ? reason + '; ' : '') + `baseline lacks: ${missingBase.join(', ')}`;
  let mFR: number | null = null;
  let mT5D: number | null = null;
  if (reason === null) {
    const tests = perturbations.filter((p) => p.test);
    mFR = tests.reduce((s, p) => s + (p.fr as number), 0) / tests.length;
    mT5D = tests.reduce((s, p) => s + (p.t5d as number), 0) / tests.length;
  }
  return { perturbations, mFR, mT5D, reason, baselineGiven: baseline !== null };
}
