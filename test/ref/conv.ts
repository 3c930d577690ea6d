// Float64 naive references for the conv family: NHWC activations, (Cout, Cin/groups, KH, KW) weights, every
// tap written out as the definition says (no im2col, no tricks), so they are easy to trust.

/** The engine's conv attributes (as runOp takes them). */
export type ConvAttrs = {
  stride_h: number;
  stride_w: number;
  pad_t: number;
  pad_b: number;
  pad_l: number;
  pad_r: number;
  dil_h: number;
  dil_w: number;
  groups: number;
};

export function convAttrs(a: Partial<ConvAttrs> = {}): ConvAttrs {
  return { stride_h: 1, stride_w: 1, pad_t: 0, pad_b: 0, pad_l: 0, pad_r: 0, dil_h: 1, dil_w: 1, groups: 1, ...a };
}

export function convOutShape(xs: number[], ws: number[], a: ConvAttrs): number[] {
  const [n, h, w] = xs;
  const [o, , kh, kw] = ws;
  const oh = Math.floor((h + a.pad_t + a.pad_b - a.dil_h * (kh - 1) - 1) / a.stride_h) + 1;
  const ow = Math.floor((w + a.pad_l + a.pad_r - a.dil_w * (kw - 1) - 1) / a.stride_w) + 1;
  return [n, oh, ow, o];
}

// Calls visit(yi, xi, wi) for every (output, input, weight) triple that meets in the sum, and start(yi, o)
// once per output element before its taps. The forward and both backwards are this one loop nest.
function forEachTap(
  xs: number[],
  ws: number[],
  a: ConvAttrs,
  start: (yi: number, o: number) => void,
  visit: (yi: number, xi: number, wi: number) => void,
): void {
  const [n, h, w, cin] = xs;
  const [cout, cg, kh, kw] = ws;
  const [, oh, ow] = convOutShape(xs, ws, a);
  const og = cout / a.groups;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        for (let o = 0; o < cout; o++) {
          const yi = ((b * oh + y) * ow + x) * cout + o;
          start(yi, o);
          const c0 = Math.floor(o / og) * cg;
          for (let i = 0; i < kh; i++) {
            const iy = y * a.stride_h - a.pad_t + i * a.dil_h;
            if (iy < 0 || iy >= h) continue;
            for (let j = 0; j < kw; j++) {
              const ix = x * a.stride_w - a.pad_l + j * a.dil_w;
              if (ix < 0 || ix >= w) continue;
              const xrow = ((b * h + iy) * w + ix) * cin + c0;
              for (let c = 0; c < cg; c++) visit(yi, xrow + c, ((o * cg + c) * kh + i) * kw + j);
            }
          }
        }
      }
    }
  }
}

export function conv2dRef(
  x: ArrayLike<number>,
  xs: number[],
  w: ArrayLike<number>,
  ws: number[],
  b: ArrayLike<number> | null,
  a: ConvAttrs,
): Float64Array {
  const ys = convOutShape(xs, ws, a);
  const y = new Float64Array(ys.reduce((p, q) => p * q, 1));
  forEachTap(
    xs,
    ws,
    a,
    (yi, o) => {
      y[yi] = b ? b[o] : 0;
    },
    (yi, xi, wi) => {
      y[yi] += x[xi] * w[wi];
    },
  );
  return y;
}

export interface ConvRefGrads {
  dx: Float64Array;
  dw: Float64Array;
  db: Float64Array;
}

/** All three gradients of L = <conv2d(x, w, b), dy>. */
export function conv2dBackwardRef(
  dy: ArrayLike<number>,
  x: ArrayLike<number>,
  xs: number[],
  w: ArrayLike<number>,
  ws: number[],
  a: ConvAttrs,
): ConvRefGrads {
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  const db = new Float64Array(ws[0]);
  let g = 0;
  forEachTap(
    xs,
    ws,
    a,
    (yi, o) => {
      g = dy[yi];
      db[o] += g;
    },
    (_yi, xi, wi) => {
      dx[xi] += g * w[wi];
      dw[wi] += g * x[xi];
    },
  );
  return { dx, dw, db };
}

/** Per output channel (first dim): (w - mean) / sqrt(var + eps), biased variance. */
export function weightStandardizeRef(w: ArrayLike<number>, ws: number[], eps: number): Float64Array {
  const o = ws[0];
  const k = w.length / o;
  const out = new Float64Array(w.length);
  for (let c = 0; c < o; c++) {
    let mean = 0;
    for (let i = 0; i < k; i++) mean += w[c * k + i];
    mean /= k;
    let v = 0;
    for (let i = 0; i < k; i++) v += (w[c * k + i] - mean) ** 2;
    v /= k;
    const rstd = 1 / Math.sqrt(v + eps);
    for (let i = 0; i < k; i++) out[c * k + i] = (w[c * k + i] - mean) * rstd;
  }
  return out;
}

/**
 * Gradient through the standardisation, derived term by term rather than by the closed form the engine uses:
 * dL/dw_j = sum_i g_i * d(w'_i)/d(w_j), with d(w'_i)/d(w_j) = rstd * (delta_ij - 1/k) - (w_i - mean) * rstd^3 * (w_j - mean) / k.
 */
export function weightStandardizeBackwardRef(g: ArrayLike<number>, w: ArrayLike<number>, ws: number[], eps: number): Float64Array {
  const o = ws[0];
  const k = w.length / o;
  const dw = new Float64Array(w.length);
  for (let c = 0; c < o; c++) {
    let mean = 0;
    for (let i = 0; i < k; i++) mean += w[c * k + i];
    mean /= k;
    let v = 0;
    for (let i = 0; i < k; i++) v += (w[c * k + i] - mean) ** 2;
    v /= k;
    const rstd = 1 / Math.sqrt(v + eps);
    let sumG = 0;
    let sumGC = 0; // sum_i g_i (w_i - mean)
    for (let i = 0; i < k; i++) {
      sumG += g[c * k + i];
      sumGC += g[c * k + i] * (w[c * k + i] - mean);
    }
    for (let j = 0; j < k; j++) {
      const cj = w[c * k + j] - mean;
      dw[c * k + j] = rstd * (g[c * k + j] - sumG / k) - (rstd ** 3 * cj * sumGC) / k;
    }
  }
  return dw;
}
