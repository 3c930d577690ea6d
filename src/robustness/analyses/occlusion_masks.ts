// PatchDrop masks (REFERENCE.md §6.1, §8) on a g×g grid of p×p patches (14×14 of 16 px at 224): random (a set
// of ⌊ratio·g²⌋ patches without replacement, the released count: 0, 19, 39, 58, 78, 98, 117, 137, 156, 176 for
// ratio k/10; or round(ratio·g²) on request), and the DINO-saliency modes (cumulative attention mass).

/** How a random drop turns a ratio into a patch count: `floor` as released (k·196 // 10), or `round`. */
export type DropCount = 'floor' | 'round';

/** The number of patches a random drop at `ratio` zeroes: ⌊ratio·count⌋ as released, or round(ratio·count). */
export function randomDropCount(count: number, ratio: number, rounding: DropCount = 'floor'): number {
  if (!(ratio >= 0 && ratio <= 1)) throw new RangeError(`drop ratio: expected a value in [0, 1], received ${ratio}`);
  // The small tolerance keeps ratio = k/10 exact (0.7·196 = 137.2, but e.g. 0.29·100 = 28.999999999999996).
  const k = rounding === 'round' ? Math.round(ratio * count) : Math.floor(ratio * count + 1e-9);
  return Math.min(count, k);
}

/** Indices of randomDropCount(count, ratio) patches drawn without replacement (Fisher–Yates, seeded rng), ascending. */
export function randomPatches(count: number, ratio: number, rng: () => number, rounding: DropCount = 'floor'): number[] {
  const k = randomDropCount(count, ratio, rounding);
  const idx = Array.from({ length: count }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng() * (count - i));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx.slice(0, k).sort((a, b) => a - b);
}

/**
 * The patches holding about `lambda` of the attention mass, top-attention first: sort ascending, normalise to
 * sum 1, cumulative sum; a patch is marked when its cumsum exceeds 1 − lambda (the released rule).
 */
export function markedByMass(attention: ArrayLike<number>, lambda: number): Set<number> {
  const n = attention.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => attention[a] - attention[b] || a - b);
  let total = 0;
  for (let i = 0; i < n; i++) total += attention[i];
  const marked = new Set<number>();
  let cum = 0;
  for (const i of order) {
    cum += total > 0 ? attention[i] / total : 1 / n;
    if (cum > 1 - lambda) marked.add(i);
  }
  return marked;
}

export type OcclusionMode = 'random' | 'salient' | 'non-salient';

/** Patches to zero for a mode: salient drops the marked ones; non-salient keeps only the marked (λ = 1 − ratio). */
export function patchesToDrop(mode: OcclusionMode, ratio: number, count: number, rng: () => number, attention?: ArrayLike<number>, rounding: DropCount = 'floor'): number[] {
  if (mode === 'random') return randomPatches(count, ratio, rng, rounding);
  if (!attention || attention.length !== count) throw new RangeError(`${mode} occlusion needs an attention map of ${count} patches`);
  if (mode === 'salient') return [...markedByMass(attention, ratio)].sort((a, b) => a - b);
  const keep = markedByMass(attention, 1 - ratio);
  return Array.from({ length: count }, (_, i) => i).filter((i) => !keep.has(i));
}

/** Zeroes the given patches of image b in an NHWC batch, in place (pixel space, before normalisation). */
export function dropPatches(x: Float32Array, shape: number[], b: number, patches: readonly number[], patch: number): void {
  const [, h, w, c] = shape;
  const grid = Math.floor(w / patch);
  for (const p of patches) {
    const py = Math.floor(p / grid);
    const px = p % grid;
    for (let y = py * patch; y < Math.min(h, (py + 1) * patch); y++) {
      x.fill(0, ((b * h + y) * w + px * patch) * c, ((b * h + y) * w + Math.min(w, (px + 1) * patch)) * c);
    }
  }
}
