// Float64 naive references for the elementwise family (native/core/ops/elementwise.h). b is a's shape or a
// row of a's last dim broadcast over the rows.
export type F64 = Float64Array;

export function broadcast(a: F64, b: F64, op: (x: number, y: number) => number): F64 {
  return a.map((v, i) => op(v, b[b.length === a.length ? i : i % b.length]));
}

/** b's gradient reduced to its shape: summed over rows when b was broadcast. */
function reduceTo(g: F64, bLen: number): F64 {
  if (g.length === bLen) return g;
  const out = new Float64Array(bLen);
  for (let i = 0; i < g.length; i++) out[i % bLen] += g[i];
  return out;
}

export function addBackward(dy: F64, bLen: number): { da: F64; db: F64 } {
  return { da: Float64Array.from(dy), db: reduceTo(Float64Array.from(dy), bLen) };
}

export function mulBackward(dy: F64, a: F64, b: F64): { da: F64; db: F64 } {
  return { da: broadcast(dy, b, (p, q) => p * q), db: reduceTo(dy.map((v, i) => v * a[i]), b.length) };
}

/** y.shape[d] = shape[dims[d]], by walking y's multi-index. */
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

/** dx for y = permute(x, dims): scatter dy back (the adjoint, written independently of the inverse permutation). */
export function permuteBackward(dy: F64, shape: number[], dims: number[]): F64 {
  const ys = dims.map((d) => shape[d]);
  const xstr = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const dx = new Float64Array(dy.length);
  const idx = new Array(ys.length).fill(0);
  for (let o = 0; o < dy.length; o++) {
    let src = 0;
    for (let d = 0; d < ys.length; d++) src += idx[d] * xstr[dims[d]];
    dx[src] += dy[o];
    for (let d = ys.length - 1; d >= 0; d--) {
      if (++idx[d] < ys[d]) break;
      idx[d] = 0;
    }
  }
  return dx;
}
