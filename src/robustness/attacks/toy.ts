// Small models written out by hand in JS, implementing AttackModel with exact gradients in float64: a linear
// classifier (FGSM has a closed form on it) and a one-hidden-layer tanh network (smooth, for the integrated-
// gradients completeness check). They take any (N, ..., C) input, flattened per image. Tests and docs use
// them; nothing here touches the engine.
import type { Tensor } from '../../native.js';
import type { AttackModel } from './common.js';
import { mulberry32 } from '../../util/rng.js';

function softmaxMinusOneHot(z: Float64Array, y: number): Float64Array {
  let m = -Infinity;
  for (const v of z) m = Math.max(m, v);
  let s = 0;
  const p = new Float64Array(z.length);
  for (let k = 0; k < z.length; k++) s += p[k] = Math.exp(z[k] - m);
  for (let k = 0; k < z.length; k++) p[k] /= s;
  p[y] -= 1;
  return p;
}

function dlogitsFor(target: { labels: number[] } | { dlogits: Tensor }, z: Float64Array, b: number, k: number): Float64Array {
  if ('labels' in target) return softmaxMinusOneHot(z, target.labels[b]);
  return Float64Array.from(target.dlogits.data.subarray(b * k, (b + 1) * k));
}

/** logits = W·x + b per image (W: K × D, D = the per-image size). */
export class LinearModel implements AttackModel {
  constructor(
    readonly w: Float64Array,
    readonly b: Float64Array,
    readonly classes: number,
  ) {}

  static random(classes: number, dim: number, seed = 0, scale = 1): LinearModel {
    const r = mulberry32(seed);
    const w = Float64Array.from({ length: classes * dim }, () => scale * (2 * r() - 1) / Math.sqrt(dim));
    const b = Float64Array.from({ length: classes }, () => 0.1 * (2 * r() - 1));
    return new LinearModel(w, b, classes);
  }

  private logitsOf(x: Tensor): Float64Array[] {
    const n = x.shape[0];
    const d = x.data.length / n;
    if (d * this.classes !== this.w.length) throw new RangeError(`LinearModel: expected ${this.w.length / this.classes} values per image, received ${d}`);
    const out: Float64Array[] = [];
    for (let i = 0; i < n; i++) {
      const z = Float64Array.from(this.b);
      const xi = x.data.subarray(i * d, (i + 1) * d);
      for (let k = 0; k < this.classes; k++) {
        let s = 0;
        const wk = this.w.subarray(k * d, (k + 1) * d);
        for (let j = 0; j < d; j++) s += wk[j] * xi[j];
        z[k] += s;
      }
      out.push(z);
    }
    return out;
  }

  async forward(x: Tensor): Promise<{ logits: Tensor }> {
    const zs = this.logitsOf(x);
    return { logits: { shape: [zs.length, this.classes], data: Float32Array.from(zs.flatMap((z) => [...z])) } };
  }

  async inputGradient(x: Tensor, target: { labels: number[] } | { dlogits: Tensor }): Promise<{ logits: Tensor; grad: Tensor }> {
    const zs = this.logitsOf(x);
    const n = zs.length;
    const d = x.data.length / n;
    const grad = new Float32Array(x.data.length);
    zs.forEach((z, i) => {
      const g = dlogitsFor(target, z, i, this.classes);
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let k = 0; k < this.classes; k++) s += g[k] * this.w[k * d + j];
        grad[i * d + j] = s;
      }
    });
    return { logits: { shape: [n, this.classes], data: Float32Array.from(zs.flatMap((z) => [...z])) }, grad: { shape: [...x.shape], data: grad } };
  }
}

/** logits = W₂·tanh(W₁·x + b₁) + b₂: smooth, so integrated gradients converge as the path is refined. */
export class TanhMlp implements AttackModel {
  constructor(
    readonly w1: Float64Array,
    readonly b1: Float64Array,
    readonly w2: Float64Array,
    readonly b2: Float64Array,
    readonly dim: number,
    readonly hidden: number,
    readonly classes: number,
  ) {}

  static random(classes: number, dim: number, hidden: number, seed = 0): TanhMlp {
    const r = mulberry32(seed);
    const u = (n: number, s: number) => Float64Array.from({ length: n }, () => s * (2 * r() - 1));
    return new TanhMlp(u(hidden * dim, 3 / Math.sqrt(dim)), u(hidden, 0.5), u(classes * hidden, 3 / Math.sqrt(hidden)), u(classes, 0.1), dim, hidden, classes);
  }

  private run(x: Tensor): { h: Float64Array[]; z: Float64Array[] } {
    const n = x.shape[0];
    if (x.data.length !== n * this.dim) throw new RangeError(`TanhMlp: expected ${this.dim} values per image, received ${x.data.length / n}`);
    const hs: Float64Array[] = [];
    const zs: Float64Array[] = [];
    for (let i = 0; i < n; i++) {
      const xi = x.data.subarray(i * this.dim, (i + 1) * this.dim);
      const h = new Float64Array(this.hidden);
      for (let u = 0; u < this.hidden; u++) {
        let s = this.b1[u];
        for (let j = 0; j < this.dim; j++) s += this.w1[u * this.dim + j] * xi[j];
        h[u] = Math.tanh(s);
      }
      const z = Float64Array.from(this.b2);
      for (let k = 0; k < this.classes; k++) for (let u = 0; u < this.hidden; u++) z[k] += this.w2[k * this.hidden + u] * h[u];
      hs.push(h);
      zs.push(z);
    }
    return { h: hs, z: zs };
  }

  /** The logits in float64 (for exact checks). */
  logits64(x: Tensor): Float64Array[] {
    return this.run(x).z;
  }

  async forward(x: Tensor): Promise<{ logits: Tensor }> {
    const { z } = this.run(x);
    return { logits: { shape: [z.length, this.classes], data: Float32Array.from(z.flatMap((r) => [...r])) } };
  }

  async inputGradient(x: Tensor, target: { labels: number[] } | { dlogits: Tensor }): Promise<{ logits: Tensor; grad: Tensor }> {
    const { h, z } = this.run(x);
    const n = z.length;
    const grad = new Float32Array(x.data.length);
    for (let i = 0; i < n; i++) {
      const g = dlogitsFor(target, z[i], i, this.classes);
      const gh = new Float64Array(this.hidden);
      for (let u = 0; u < this.hidden; u++) {
        let s = 0;
        for (let k = 0; k < this.classes; k++) s += g[k] * this.w2[k * this.hidden + u];
        gh[u] = s * (1 - h[i][u] * h[i][u]);
      }
      for (let j = 0; j < this.dim; j++) {
        let s = 0;
        for (let u = 0; u < this.hidden; u++) s += gh[u] * this.w1[u * this.dim + j];
        grad[i * this.dim + j] = s;
      }
    }
    return { logits: { shape: [n, this.classes], data: Float32Array.from(z.flatMap((r) => [...r])) }, grad: { shape: [...x.shape], data: grad } };
  }
}
