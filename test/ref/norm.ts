// Float64 naive references for the norm family (native/core/ops/norm.h), written from the definitions with
// explicit loops, sharing no code with the engine. Channels last: C is the last dim. Backwards return the
// gradients for L = <y, dy>.
export type F64 = Float64Array;

export interface NormGradsRef {
  dx: F64;
  dg: F64;
  db: F64;
}

/** Rows (of C) grouped for statistics: layer norm = one row, group norm = (n, group) sets of indices. */
function statSets(len: number, C: number): number[][] {
  const sets: number[][] = [];
  for (let r = 0; r < len / C; r++) sets.push(Array.from({ length: C }, (_, c) => r * C + c));
  return sets;
}

function groupSets(shape: number[], groups: number): number[][] {
  const [N, H, W, C] = shape;
  const cg = C / groups;
  const sets: number[][] = [];
  for (let n = 0; n < N; n++) {
    for (let gr = 0; gr < groups; gr++) {
      const idx: number[] = [];
      for (let p = 0; p < H * W; p++) for (let c = gr * cg; c < (gr + 1) * cg; c++) idx.push((n * H * W + p) * C + c);
      sets.push(idx);
    }
  }
  return sets;
}

function moments(x: F64, idx: number[], eps: number): { m: number; rs: number } {
  let m = 0;
  for (const i of idx) m += x[i];
  m /= idx.length;
  let v = 0;
  for (const i of idx) v += (x[i] - m) ** 2;
  return { m, rs: 1 / Math.sqrt(v / idx.length + eps) };
}

function normForward(x: F64, g: F64, b: F64, C: number, sets: number[][], eps: number): F64 {
  const y = new Float64Array(x.length);
  for (const idx of sets) {
    const { m, rs } = moments(x, idx, eps);
    for (const i of idx) y[i] = (x[i] - m) * rs * g[i % C] + b[i % C];
  }
  return y;
}

// dxhat = dy g; dx = rs (dxhat - mean(dxhat) - xhat mean(dxhat xhat)) over each set; dg = sum dy xhat, db = sum dy.
function normBackward(dy: F64, x: F64, g: F64, C: number, sets: number[][], eps: number): NormGradsRef {
  const dx = new Float64Array(x.length);
  const dg = new Float64Array(C);
  const db = new Float64Array(C);
  for (const idx of sets) {
    const { m, rs } = moments(x, idx, eps);
    let s1 = 0;
    let s2 = 0;
    for (const i of idx) {
      const xh = (x[i] - m) * rs;
      const dxh = dy[i] * g[i % C];
      s1 += dxh;
      s2 += dxh * xh;
      dg[i % C] += dy[i] * xh;
      db[i % C] += dy[i];
    }
    s1 /= idx.length;
    s2 /= idx.length;
    for (const i of idx) dx[i] = rs * (dy[i] * g[i % C] - s1 - (x[i] - m) * rs * s2);
  }
  return { dx, dg, db };
}

export const layerNorm = (x: F64, g: F64, b: F64, C: number, eps: number): F64 => normForward(x, g, b, C, statSets(x.length, C), eps);
export const layerNormBackward = (dy: F64, x: F64, g: F64, C: number, eps: number): NormGradsRef =>
  normBackward(dy, x, g, C, statSets(x.length, C), eps);

/** x (N, H, W, C), statistics per (n, group) over H, W and C / groups channels. */
export const groupNorm = (x: F64, g: F64, b: F64, shape: number[], groups: number, eps: number): F64 =>
  normForward(x, g, b, shape[3], groupSets(shape, groups), eps);
export const groupNormBackward = (dy: F64, x: F64, g: F64, shape: number[], groups: number, eps: number): NormGradsRef =>
  normBackward(dy, x, g, shape[3], groupSets(shape, groups), eps);

/** Inference batch norm with given running statistics. */
export function batchNorm(x: F64, g: F64, b: F64, mean: F64, vr: F64, C: number, eps: number): F64 {
  return x.map((v, i) => ((v - mean[i % C]) / Math.sqrt(vr[i % C] + eps)) * g[i % C] + b[i % C]);
}

export function batchNormBackward(dy: F64, x: F64, g: F64, mean: F64, vr: F64, C: number, eps: number): NormGradsRef {
  const dx = new Float64Array(x.length);
  const dg = new Float64Array(C);
  const db = new Float64Array(C);
  for (let i = 0; i < x.length; i++) {
    const c = i % C;
    const rs = 1 / Math.sqrt(vr[c] + eps);
    dx[i] = dy[i] * g[c] * rs;
    dg[c] += dy[i] * (x[i] - mean[c]) * rs;
    db[c] += dy[i];
  }
  return { dx, dg, db };
}

export function pixelNormalize(x: F64, mean: number[], std: number[]): F64 {
  const C = mean.length;
  return x.map((v, i) => (v - mean[i % C]) / std[i % C]);
}

export function pixelNormalizeBackward(dy: F64, std: number[]): F64 {
  return dy.map((v, i) => v / std[i % std.length]);
}
