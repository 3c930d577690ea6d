// Float64 naive references for the non-GEMM ops: written from the definitions, sharing no code with the engine.
export type F64 = Float64Array;

const rowsOf = (n: number, c: number) => n / c;

export function layerNorm(x: F64, g: F64, b: F64, C: number, eps: number): F64 {
  const y = new Float64Array(x.length);
  for (let r = 0; r < rowsOf(x.length, C); r++) {
    let m = 0;
    for (let c = 0; c < C; c++) m += x[r * C + c];
    m /= C;
    let v = 0;
    for (let c = 0; c < C; c++) v += (x[r * C + c] - m) ** 2;
    const rs = 1 / Math.sqrt(v / C + eps);
    for (let c = 0; c < C; c++) y[r * C + c] = (x[r * C + c] - m) * rs * g[c] + b[c];
  }
  return y;
}

export function batchNorm(x: F64, g: F64, b: F64, mean: F64, vr: F64, C: number, eps: number): F64 {
  return x.map((v, i) => ((v - mean[i % C]) / Math.sqrt(vr[i % C] + eps)) * g[i % C] + b[i % C]);
}

export function groupNorm(x: F64, g: F64, b: F64, shape: number[], groups: number, eps: number): F64 {
  const [N, H, W, C] = shape;
  const cg = C / groups;
  const y = new Float64Array(x.length);
  for (let n = 0; n < N; n++) {
    for (let gr = 0; gr < groups; gr++) {
      const idx: number[] = [];
      for (let p = 0; p < H * W; p++) for (let c = gr * cg; c < (gr + 1) * cg; c++) idx.push((n * H * W + p) * C + c);
      const m = idx.reduce((s, i) => s + x[i], 0) / idx.length;
      const v = idx.reduce((s, i) => s + (x[i] - m) ** 2, 0) / idx.length;
      for (const i of idx) y[i] = ((x[i] - m) / Math.sqrt(v + eps)) * g[i % C] + b[i % C];
    }
  }
  return y;
}

export function pixelNormalize(x: F64, mean: number[], std: number[]): F64 {
  const C = mean.length;
  return x.map((v, i) => (v - mean[i % C]) / std[i % C]);
}

const erf = (z: number): number => {
  // Abramowitz–Stegun 7.1.26 is too coarse; use the series/continued fraction pair for full double accuracy.
  const a = Math.abs(z);
  let r: number;
  if (a < 2.5) {
    let term = a;
    let sum = a;
    for (let n = 1; n < 80; n++) {
      term *= (-a * a) / n;
      sum += term / (2 * n + 1);
    }
    r = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    // erfc continued fraction (Lentz)
    let f = a;
    let C = a;
    let D = 0;
    for (let n = 1; n < 200; n++) {
      const an = n / 2;
      D = a + an * D;
      D = 1 / D;
      C = a + an / C;
      const delta = C * D;
      f *= delta;
      if (Math.abs(delta - 1) < 1e-16) break;
    }
    r = 1 - Math.exp(-a * a) / (f * Math.sqrt(Math.PI));
  }
  return z < 0 ? -r : r;
};

export function gelu(x: F64, approx: 'none' | 'tanh'): F64 {
  return x.map((v) =>
    approx === 'tanh' ? 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))) : 0.5 * v * (1 + erf(v / Math.SQRT2)),
  );
}

export const relu = (x: F64): F64 => x.map((v) => Math.max(0, v));

export function softmax(x: F64, C: number): F64 {
  const y = new Float64Array(x.length);
  for (let r = 0; r < x.length / C; r++) {
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, x[r * C + c]);
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(x[r * C + c] - m);
    for (let c = 0; c < C; c++) y[r * C + c] = Math.exp(x[r * C + c] - m) / s;
  }
  return y;
}

export function broadcast(a: F64, b: F64, op: (x: number, y: number) => number): F64 {
  return a.map((v, i) => op(v, b[b.length === a.length ? i : i % b.length]));
}

export function permute(x: F64, shape: number[], dims: number[]): F64 {
  const ys = dims.map((d) => shape[d]);
  const xstr = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const y = new Float64Array(x.length);
  const idx = new Array(ys.length).fill(0);
  for (let o = 0; o < y.length; o++) {
    let src = 0;
    for (let d = 0; d < ys.length; d++) src += idx[d] * xstr[dims[d]];
    y[o] = x[src];
    for (let d = ys.length - 1; d >= 0; d--) {
      if (++idx[d] < ys[d]) break;
      idx[d] = 0;
    }
  }
  return y;
}

export interface PoolArgs {
  kernel_h: number;
  kernel_w: number;
  stride_h: number;
  stride_w: number;
  pad_t: number;
  pad_b: number;
  pad_l: number;
  pad_r: number;
  count_include_pad?: boolean;
}

export function poolOut(shape: number[], a: PoolArgs): number[] {
  const [N, H, W, C] = shape;
  return [N, Math.floor((H + a.pad_t + a.pad_b - a.kernel_h) / a.stride_h) + 1, Math.floor((W + a.pad_l + a.pad_r - a.kernel_w) / a.stride_w) + 1, C];
}

export function pool(x: F64, shape: number[], a: PoolArgs, kind: 'max' | 'avg'): F64 {
  const [N, H, W, C] = shape;
  const [, OH, OW] = poolOut(shape, a);
  const y = new Float64Array(N * OH * OW * C);
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let c = 0; c < C; c++) {
          let best = -Infinity;
          let sum = 0;
          let cnt = 0;
          let full = 0;
          for (let kh = 0; kh < a.kernel_h; kh++)
            for (let kw = 0; kw < a.kernel_w; kw++) {
              const h = oh * a.stride_h - a.pad_t + kh;
              const w = ow * a.stride_w - a.pad_l + kw;
              if (h < H + a.pad_b && w < W + a.pad_r) full++;
              if (h < 0 || w < 0 || h >= H || w >= W) continue;
              const v = x[((n * H + h) * W + w) * C + c];
              best = Math.max(best, v);
              sum += v;
              cnt++;
            }
          y[((n * OH + oh) * OW + ow) * C + c] = kind === 'max' ? best : sum / (a.count_include_pad === false ? cnt : full);
        }
  return y;
}

export function globalAvgPool(x: F64, shape: number[]): F64 {
  const [N, H, W, C] = shape;
  const y = new Float64Array(N * C);
  for (let i = 0; i < x.length; i++) y[Math.floor(i / (H * W * C)) * C + (i % C)] += x[i] / (H * W);
  return y;
}

export function pad2d(x: F64, shape: number[], p: { pad_t: number; pad_b: number; pad_l: number; pad_r: number; value: number }): F64 {
  const [N, H, W, C] = shape;
  const OH = H + p.pad_t + p.pad_b;
  const OW = W + p.pad_l + p.pad_r;
  const y = new Float64Array(N * OH * OW * C).fill(p.value);
  for (let n = 0; n < N; n++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++) for (let c = 0; c < C; c++) y[((n * OH + h + p.pad_t) * OW + w + p.pad_l) * C + c] = x[((n * H + h) * W + w) * C + c];
  return y;
}

/** q, k, v (B, H, T, D) -> out (B, H, T, D). */
export function attention(q: F64, k: F64, v: F64, shape: number[], scale: number): F64 {
  const [B, Hh, T, D] = shape;
  const out = new Float64Array(q.length);
  for (let bh = 0; bh < B * Hh; bh++) {
    const o = bh * T * D;
    for (let i = 0; i < T; i++) {
      const s = new Float64Array(T);
      let m = -Infinity;
      for (let j = 0; j < T; j++) {
        let d = 0;
        for (let e = 0; e < D; e++) d += q[o + i * D + e] * k[o + j * D + e];
        s[j] = d * scale;
        m = Math.max(m, s[j]);
      }
      let z = 0;
      for (let j = 0; j < T; j++) z += (s[j] = Math.exp(s[j] - m));
      for (let e = 0; e < D; e++) {
        let acc = 0;
        for (let j = 0; j < T; j++) acc += (s[j] / z) * v[o + j * D + e];
        out[o + i * D + e] = acc;
      }
    }
  }
  return out;
}

export function crossEntropy(x: F64, K: number, labels: number[]): F64 {
  return Float64Array.from(labels, (l, n) => {
    let m = -Infinity;
    for (let k = 0; k < K; k++) m = Math.max(m, x[n * K + k]);
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.exp(x[n * K + k] - m);
    return m + Math.log(s) - x[n * K + l];
  });
}
