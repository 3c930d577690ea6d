// APGD's random start, x0 + ε·t/‖t‖ clipped to [0,1] (L∞: t uniform in [−1,1]; L2: t Gaussian), from one of two
// streams:
//  - 'per-image' (the default): a stream per (seed, image id), so an image's start is the same whatever batch,
//    shard or resume point it falls in;
//  - 'torch': the reference's own draws, to reproduce its numbers image by image. The reference seeds torch's CPU
//    generator once per batch (`torch.random.manual_seed(seed)` in `perturb`) and draws `torch.rand(x.shape)`
//    (L2: `torch.randn`) over the images still to fool at each run, in NCHW order; our images are NHWC, so the
//    draws are transposed. The arithmetic follows the reference's float32 steps, so (L∞) the start is bitwise
//    the reference's.
import { Mt19937, torchRand, torchRandn } from '../../util/torch_random.js';
import { imageRng } from './common.js';
import { gaussian, type Norm, normalizeInto } from './lp.js';

export const RANDOM_STREAMS = ['per-image', 'torch'] as const;
export type RandomStream = (typeof RANDOM_STREAMS)[number];

/** Where one run's starts come from: per-image streams, or the batch's torch generator (seeded by the caller). */
export type StartSource = { stream: 'per-image'; seed: number; ids: readonly number[] } | { stream: 'torch'; generator: Mt19937 };

/**
 * The start source of each run of one APGD / APGD-T call, by the run's salt. 'torch' seeds one generator for the
 * whole call (the reference's `perturb`: torch.random.manual_seed(seed), then every restart and target class
 * draws on from it); 'per-image' salts the seed per run.
 */
export function startSources(stream: RandomStream | undefined, seed: number, ids: readonly number[]): (salt: number) => StartSource {
  if (stream !== undefined && !RANDOM_STREAMS.includes(stream)) throw new RangeError(`random stream: expected ${RANDOM_STREAMS.join(' or ')}, received ${stream}`);
  if (stream === 'torch') {
    const generator = new Mt19937(seed);
    return () => ({ stream: 'torch', generator });
  }
  return (salt) => ({ stream: 'per-image', seed: seed ^ salt, ids });
}

/**
 * Random starts for n images x0 (NHWC, `imgShape` = [H, W, C] or any flat shape), `rows[b]` the caller's index of
 * image b (it picks the per-image stream; torch mode draws for the n images in order).
 */
export function randomStart(x0: Float32Array, n: number, imgShape: readonly number[], eps: number, norm: Norm, src: StartSource, rows: readonly number[]): Float32Array {
  const per = n ? x0.length / n : 0;
  const out = new Float32Array(n * per);
  if (src.stream === 'per-image') {
    const t = new Float32Array(per);
    for (let b = 0; b < n; b++) {
      const rng = imageRng(src.seed, src.ids[rows[b]]);
      for (let j = 0; j < per; j++) t[j] = norm === 'Linf' ? 2 * rng() - 1 : gaussian(rng);
      normalizeInto(t, t, 1, per, norm);
      for (let j = 0; j < per; j++) out[b * per + j] = clip01(x0[b * per + j] + eps * t[j]);
    }
    return out;
  }
  if (!n) return out;
  const drawn = norm === 'Linf' ? torchRand(n * per, src.generator).map((r) => 2 * r - 1) : torchRandn(n * per, src.generator);
  const t = nchwToNhwc(drawn, n, imgShape);
  const f = Math.fround;
  const epsF = f(eps); // the reference's `eps * torch.ones_like(x)`: ε as float32
  for (let b = 0; b < n; b++) {
    const o = b * per;
    // ‖t‖ as float32 (L∞ exact; L2 summed in float64, torch sums in float32: equal to rounding), + 1e-12 in float32.
    let s = 0;
    for (let j = 0; j < per; j++) s = norm === 'Linf' ? Math.max(s, Math.abs(t[o + j])) : s + t[o + j] * t[o + j];
    const d = f(f(norm === 'Linf' ? s : Math.sqrt(s)) + 1e-12);
    for (let j = 0; j < per; j++) out[o + j] = clip01(f(x0[o + j] + f(epsF * f(t[o + j] / d))));
  }
  return out;
}

function clip01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/** Values drawn in NCHW order for n images of NHWC shape [H, W, C], laid out NHWC (other shapes: as drawn). */
function nchwToNhwc(v: Float32Array, n: number, imgShape: readonly number[]): Float32Array {
  if (imgShape.length !== 3) return v;
  const [H, W, C] = imgShape;
  const out = new Float32Array(v.length);
  for (let b = 0; b < n; b++) {
    for (let c = 0; c < C; c++) {
      for (let h = 0; h < H; h++) {
        for (let w = 0; w < W; w++) out[((b * H + h) * W + w) * C + c] = v[((b * C + c) * H + h) * W + w];
      }
    }
  }
  return out;
}
