// Kernel attention distance (REFERENCE.md §6.6, §8). Default, the paper's: per channel Σ r·|w| / Σ|w| with r
// the Euclidean distance in pixels of each tap from the kernel centre. `code`: the released code's
// Σ (r / (R√2))·|w| with R = K//2, not normalised by Σ|w|.
export type DistanceDefinition = 'paper' | 'code';

/** Distances of each channel of a depthwise kernel (C, 1, K, K) (or (C, K, K)), ascending. */
export function kernelDistances(weight: Float32Array | Float64Array, shape: number[], definition: DistanceDefinition = 'paper'): number[] {
  const c = shape[0];
  const kh = shape[shape.length - 2];
  const kw = shape[shape.length - 1];
  if (weight.length !== c * kh * kw) throw new RangeError(`kernelDistances: expected ${c}×${kh}×${kw} weights, received ${weight.length}`);
  const cy = (kh - 1) / 2;
  const cx = (kw - 1) / 2;
  const R = Math.floor(Math.max(kh, kw) / 2);
  const out: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    let num = 0;
    let den = 0;
    for (let y = 0; y < kh; y++) {
      for (let x = 0; x < kw; x++) {
        const a = Math.abs(weight[(ch * kh + y) * kw + x]);
        const r = Math.hypot(y - cy, x - cx);
        num += (definition === 'code' ? r / (R * Math.SQRT2) : r) * a;
        den += a;
      }
    }
    out.push(definition === 'code' ? num : den > 0 ? num / den : 0);
  }
  return out.sort((a, b) => a - b);
}
