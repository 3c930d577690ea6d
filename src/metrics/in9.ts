// ImageNet-9 (Backgrounds Challenge; REFERENCE §5.4): top-1 accuracy per variation of a 1000-class model whose
// argmax is mapped to the 9 classes (classification.ts `in9Correct`), and
// BG-Gap = acc(mixed_same) − acc(mixed_rand). Fractions; the paper prints points (×100).
import type { Counts } from './classification.js';

/** The variations of the released IN-9 test set (`fg_mask` holds masks, not a variation to score). */
export const IN9_VARIATIONS = [
  'original',
  'only_bg_b',
  'only_bg_t',
  'no_fg',
  'only_fg',
  'mixed_same',
  'mixed_rand',
  'mixed_next',
] as const;

export interface In9Summary {
  /** Accuracy (fraction) per variation scored, in IN9_VARIATIONS order, then any others sorted. */
  accuracy: Record<string, number>;
  counts: Record<string, Counts>;
  /** acc(mixed_same) − acc(mixed_rand); null with the reason when either is missing or empty. */
  bgGap: number | null;
  bgGapReason: string | null;
}

/** Summarises per-variation correct/total counts. Empty variations are reported as missing, not as 0. */
export function in9Summary(counts: Record<string, Counts>): In9Summary {
  const known: readonly string[] = IN9_VARIATIONS;
  const order = [...known.filter((v) => v in counts), ...Object.keys(counts).filter((v) => !known.includes(v)).sort()];
  const accuracy: Record<string, number> = {};
  const kept: Record<string, Counts> = {};
  for (const v of order) {
    const c = counts[v];
    if (!Number.isInteger(c.correct) || !Number.isInteger(c.total) || c.correct < 0 || c.correct > c.total) {
      throw new RangeError(`in9Summary: ${v} has ${c.correct} correct of ${c.total}, expected integers with 0 ≤ correct ≤ total`);
    }
    kept[v] = { correct: c.correct, total: c.total };
    if (c.total > 0) accuracy[v] = c.correct / c.total;
  }
  const missing = ['mixed_same', 'mixed_rand'].filter((v) => !(v in accuracy));
  return {
    accuracy,
    counts: kept,
    bgGap: missing.length ? null : accuracy.mixed_same - accuracy.mixed_rand,
    bgGapReason: missing.length ? `BG-Gap needs mixed_same and mixed_rand; not scored: ${missing.join(', ')}` : null,
  };
}
