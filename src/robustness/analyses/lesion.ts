// Lesion (REFERENCE.md §6.4, §8): drop n blocks (residual branch removed, shortcut kept), a fixed number of
// seeded random block sets per n. A "block" groups residual units: RepLKNet's RepLK block with its ConvFFN,
// a ViT block's attention and MLP; other families' residual blocks as they are.
import type { Model } from '../../models/model.js';
import type { Tensor } from '../../native.js';
import { type BatchScores, correctFlags } from './per_batch.js';
import { mulberry32 } from '../../util/rng.js';

export type Candidates = 'released' | 'all';

export interface Block {
  name: string;
  units: number[];
}

/** Groups the model's residual units into lesion blocks. */
export function lesionBlocks(model: Model): Block[] {
  const names = model.blockNames();
  const key = (name: string): string => {
    if (model.entry.family === 'replknet') {
      const m = /^stages\.(\d+)\.blocks\.(\d+)/.exec(name);
      if (m) return `stages.${m[1]}.blocks.${2 * Math.floor(Number(m[2]) / 2)}`;
    }
    if (model.entry.family === 'vit') {
      const m = /^blocks\.(\d+)/.exec(name);
      if (m) return `blocks.${m[1]}`;
    }
    return name;
  };
  const blocks: Block[] = [];
  names.forEach((n, i) => {
    const k = key(n);
    const last = blocks[blocks.length - 1];
    if (last && last.name === k) last.units.push(i);
    else blocks.push({ name: k, units: [i] });
  });
  return blocks;
}

/** The blocks lesion may drop: as released (RepLKNet: the 18 stage-3 blocks; others: all), or all. */
export function candidateBlocks(model: Model, which: Candidates): Block[] {
  const all = lesionBlocks(model);
  if (which === 'all' || model.entry.family !== 'replknet') return all;
  return all.filter((b) => b.name.startsWith('stages.2.'));
}


export interface LesionSet {
  n: number;
  sample: number;
  blocks: string[];
  units: number[];
}

/** For n = 1..maxN, `samples` seeded random sets of n candidate blocks (sampling without replacement). */
export function lesionSets(cands: Block[], maxN: number, samples: number, seed: number): LesionSet[] {
  const sets: LesionSet[] = [];
  for (let n = 1; n <= Math.min(maxN, cands.length); n++) {
    for (let s = 0; s < samples; s++) {
      const rng = mulberry32(seed * 104729 + n * 1009 + s);
      const idx = cands.map((_, i) => i);
      for (let i = 0; i < n; i++) {
        const j = i + Math.floor(rng() * (idx.length - i));
        [idx[i], idx[j]] = [idx[j], idx[i]];
      }
      const chosen = idx.slice(0, n).sort((a, b) => a - b).map((i) => cands[i]);
      sets.push({ n, sample: s, blocks: chosen.map((b) => b.name), units: chosen.flatMap((b) => b.units) });
    }
  }
  return sets;
}

export function lesionScorer(model: Model, sets: LesionSet[]) {
  return async (x: Tensor, labels: number[]): Promise<BatchScores> => {
    const scores: BatchScores = { clean: correctFlags((await model.forward(x)).logits, labels) };
    for (const s of sets) scores[`n${s.n}#${s.sample}`] = correctFlags((await model.forward(x, { skipBlocks: s.units })).logits, labels);
    return scores;
  };
}
