// torch.nn.functional.interpolate(x, size, mode='bicubic', align_corners=False) without antialiasing, on NHWC
// float images: what torchvision's tensor Resize does when the released TAIG test re-sizes the saved uint8
// adversarial images (REFERENCE.md §6.3). Source coordinate (dst + ½)·in/out − ½ (not clamped for cubic),
// Keys' cubic with A = −0.75, the 4 taps' indices clamped to the border; float results are not clamped.
import type { Tensor } from '../../native.js';

const A = -0.75;
const near = (x: number) => ((A + 2) * x - (A + 3)) * x * x + 1; // |x| ≤ 1
const far = (x: number) => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A; // 1 < |x| < 2

/** The 4 tap indices and weights of every output position along one axis. */
function taps(inSize: number, outSize: number): { index: Int32Array; weight: Float64Array } {
  // torch computes the scale and the source coordinate in float32 (its opmath type for float tensors).
  const scale = Math.fround(inSize / outSize);
  const index = new Int32Array(outSize * 4);
  const weight = new Float64Array(outSize * 4);
  for (let o = 0; o < outSize; o++) {
    const real = Math.fround(Math.fround(scale * (o + 0.5)) - 0.5);
    const i0 = Math.floor(real);
    const t = Math.fround(real - i0);
    const w = [far(t + 1), near(t), near(1 - t), far(2 - t)];
    for (let k = 0; k < 4; k++) {
      index[o * 4 + k] = Math.min(Math.max(i0 - 1 + k, 0), inSize - 1);
      weight[o * 4 + k] = w[k];
    }
  }
  return { index, weight };
}

/** Bicubic resize of an (N, H, W, C) tensor to (N, outH, outW, C), as torch's upsample_bicubic2d. */
export function bicubicResize(x: Tensor, outH: number, outW: number): Tensor {
  const [n, h, w, c] = x.shape;
  if (x.shape.length !== 4 || x.data.length !== n * h * w * c) throw new TypeError(`bicubicResize: expected an (N, H, W, C) tensor, received shape ${x.shape.join('x')}`);
  for (const [v, what] of [[outH, 'outH'], [outW, 'outW']] as const) if (!Number.isInteger(v) || v < 1) throw new RangeError(`bicubicResize: ${what} must be a positive integer, received ${v}`);
  const ty = taps(h, outH);
  const tx = taps(w, outW);
  const out = new Float32Array(n * outH * outW * c);
  const row = new Float64Array(4 * c);
  for (let b = 0; b < n; b++) {
    const src = b * h * w * c;
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        // Along x for each of the 4 source rows, then along y.
        row.fill(0);
        for (let ky = 0; ky < 4; ky++) {
          const yRow = src + ty.index[oy * 4 + ky] * w * c;
          for (let kx = 0; kx < 4; kx++) {
            const wx = tx.weight[ox * 4 + kx];
            const p = yRow + tx.index[ox * 4 + kx] * c;
            for (let ch = 0; ch < c; ch++) row[ky * c + ch] += wx * x.data[p + ch];
          }
        }
        const o = ((b * outH + oy) * outW + ox) * c;
        for (let ch = 0; ch < c; ch++) {
          let v = 0;
          for (let ky = 0; ky < 4; ky++) v += ty.weight[oy * 4 + ky] * row[ky * c + ch];
          out[o + ch] = v;
        }
      }
    }
  }
  return { shape: [n, outH, outW, c], data: out };
}

/** torchvision CenterCrop on an (N, H, W, C) tensor: offsets int(round((H − size) / 2.0)) (Python round, half to even). */
export function centerCropTensor(x: Tensor, size: number): Tensor {
  const [n, h, w, c] = x.shape;
  if (size > h || size > w) throw new RangeError(`centerCropTensor: crop ${size} is larger than the ${h}x${w} image`);
  const top = roundHalfEven((h - size) / 2);
  const left = roundHalfEven((w - size) / 2);
  const out = new Float32Array(n * size * size * c);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < size; y++) {
      const s = ((b * h + top + y) * w + left) * c;
      out.set(x.data.subarray(s, s + size * c), (b * size + y) * size * c);
    }
  }
  return { shape: [n, size, size, c], data: out };
}

/** Python's round(): to nearest, ties to even. */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}
