// ImageNet-P as `lkrobust eval` runs it (REFERENCE.md §4): the released .mp4 videos decoded with ffmpeg, or
// already-decoded frame folders; one unit per frame, records gathered back per video and scored with
// src/metrics/imagenet_p. Difficulty d as hendrycks' test.py: the temporal perturbations pair frames at
// stride d; the noise perturbations read their harder folders `<noise>_d` instead (frame 0 vs the others).
import sharp from 'sharp';

import type { ImageNetPDataset, PItem } from '../data/layouts.js';
import { decodeVideo, type DecodedVideo, requireFfmpeg } from '../data/video.js';
import { imagenetPSummary, isNoisePerturbation, type PBaseline, perturbationScore, videoScore } from '../metrics/imagenet_p.js';
import type { Summary, Unit, UnitRecord } from './benchmarks.js';

export interface PSelection {
  videos: PItem[];
  /** Noise perturbation → the folder read at this difficulty. */
  noiseFolders: Record<string, string>;
  /** Folders on disk not read at this difficulty (e.g. gaussian_noise_2 at difficulty 1). */
  ignoredFolders: string[];
  /** Noise perturbations present on disk but without their `<noise>_d` folder. */
  missingNoiseFolders: string[];
}

/** The videos test.py reads at difficulty d: temporal ones from the plain folders, noise from `<noise>_d` (d > 1). */
export function selectDifficulty(ds: ImageNetPDataset, videos: readonly PItem[], difficulty: number): PSelection {
  if (![1, 2, 3].includes(difficulty)) throw new RangeError(`imagenet-p --difficulty: expected 1, 2 or 3, received ${difficulty}`);
  const wanted = (v: PItem) => (isNoisePerturbation(v.base) ? v.difficulty === difficulty : v.difficulty === 1);
  const chosen = videos.filter(wanted);
  const noiseFolders: Record<string, string> = {};
  for (const v of chosen) if (isNoisePerturbation(v.base)) noiseFolders[v.base] = v.perturbation;
  const readFolders = new Set(chosen.map((v) => v.perturbation));
  const ignoredFolders = ds.perturbations.filter((p) => !readFolders.has(p));
  const noiseBases = new Set(ds.items.filter((v) => isNoisePerturbation(v.base)).map((v) => v.base));
  const missingNoiseFolders = [...noiseBases].filter((b) => !(b in noiseFolders)).sort();
  return { videos: chosen, noiseFolders, ignoredFolders, missingNoiseFolders };
}

/**
 * Frame loaders for .mp4 videos: a video is decoded once (on its first frame's request) and each frame handed
 * out as a lossless PNG the image pipeline reads like a decoded-frame file. A broken video (ffmpeg error,
 * frame count ≠ the released one) fails every one of its frames with the same named error.
 */
export class VideoFrames {
  private readonly cache = new Map<number, { video: Promise<DecodedVideo>; left: number }>();
  constructor(private readonly maxCached = 64) {}

  loader(videoIndex: number, file: string, frame: number, frames: number): () => Promise<Buffer> {
    return async () => {
      let e = this.cache.get(videoIndex);
      if (!e) {
        const video = decodeVideo(file, frames);
        video.catch(() => {}); // surfaced to every frame's caller
        e = { video, left: frames };
        this.cache.set(videoIndex, e);
        if (this.cache.size > this.maxCached) this.cache.delete(this.cache.keys().next().value!);
      }
      if (--e.left <= 0) this.cache.delete(videoIndex);
      const v = await e.video;
      return sharp(v.frames[frame], { raw: { width: v.width, height: v.height, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
    };
  }
}

/** One unit per frame: decoded-frame files by path, video frames through `VideoFrames`. */
export function frameUnits(videos: readonly PItem[]): Unit[] {
  const units: Unit[] = [];
  if (videos.some((v) => v.format === 'video')) requireFfmpeg(videos.find((v) => v.format === 'video')!.path);
  const decoder = new VideoFrames();
  videos.forEach((v, i) => {
    if (v.format === 'frames') v.frames!.forEach((f, k) => units.push({ path: f, item: i, frame: k }));
    else for (let k = 0; k < v.expectedFrames; k++) units.push({ path: `${v.path}#frame=${k}`, item: i, frame: k, load: decoder.loader(i, v.path, k, v.expectedFrames) });
  });
  return units;
}

function frameCount(v: PItem): number {
  return v.format === 'frames' ? v.frames!.length : v.expectedFrames;
}

/** Scores every complete video, per perturbation (noise at d > 1 under its base name), and names the skipped ones. */
export function summarizeP(
  videos: readonly PItem[],
  units: readonly Unit[],
  records: ReadonlyMap<number, UnitRecord>,
  failed: readonly { path: string; error: string }[],
  difficulty: number,
  baseline: PBaseline | null,
): Summary {
  const perVideo = new Map<number, number[][]>();
  units.forEach((unit, u) => {
    const rec = records.get(u);
    if (!rec) return;
    const frames = perVideo.get(unit.item) ?? [];
    frames[unit.frame] = rec.t;
    perVideo.set(unit.item, frames);
  });
  const scores = new Map<string, ReturnType<typeof videoScore>[]>();
  const folder = new Map<string, string>();
  // A video with a frame that failed to decode (a broken or truncated .mp4 fails all of them) is skipped.
  const broken = new Set<number>();
  const byPath = new Map(units.map((u) => [u.path, u.item]));
  for (const f of failed) {
    const vi = byPath.get(f.path);
    if (vi !== undefined) broken.add(vi);
  }
  videos.forEach((v, vi) => {
    const frames = perVideo.get(vi);
    const n = frameCount(v);
    if (broken.has(vi) || !frames || Array.from({ length: n }, (_, k) => frames[k]).some((f) => !f)) return;
    const top5 = Int32Array.from(frames.flat());
    const s = videoScore({ frames: n, top5 }, { noise: isNoisePerturbation(v.base), difficulty });
    scores.set(v.base, [...(scores.get(v.base) ?? []), s]);
    folder.set(v.base, v.perturbation);
  });
  const raw: Record<string, { fp: number; ut5d: number; videos: number }> = {};
  for (const [p, s] of scores) raw[p] = perturbationScore(s);
  const sum = imagenetPSummary(raw, baseline);
  return {
    rows: Object.entries(raw)
      .sort()
      .map(([p, r]) => ({ perturbation: p, ...(folder.get(p) !== p ? { folder: folder.get(p) } : {}), n: r.videos, fp: r.fp, ut5d: r.ut5d })),
    summary: {
      mFR: sum.mFR,
      mT5D: sum.mT5D,
      reason: sum.reason,
      baseline_given: sum.baselineGiven,
      difficulty,
      perturbations: sum.perturbations,
      skipped_videos: {
        count: broken.size,
        videos: [...broken].sort((a, b) => a - b).map((vi) => ({ path: videos[vi].path, error: failed.find((f) => byPath.get(f.path) === vi)!.error })),
      },
    },
  };
}
