// Float64 naive references for the GEMM family, written from the definitions with explicit index maps.

export interface MatmulDims {
  batch: number;
  m: number;
  n: number;
  k: number;
}

/** a (B..., M, K) or (B..., K, M) when ta; b (B..., K, N) or (B..., N, K) when tb. */
export function matmulDims(as: number[], bs: number[], ta: boolean, tb: boolean): MatmulDims {
  const r = as.length;
  let batch = 1;
  for (let i = 0; i < r - 2; i++) batch *= as[i];
  return { batch, m: ta ? as[r - 1] : as[r - 2], k: ta ? as[r - 2] : as[r - 1], n: tb ? bs[r - 2] : bs[r - 1] };
}

export function matmulOutShape(as: number[], bs: number[], ta: boolean, tb: boolean): number[] {
  const d = matmulDims(as, bs, ta, tb);
  return [...as.slice(0, -2), d.m, d.n];
}

// Where op(a)[bt, i, p] and op(b)[bt, p, j] live in the stored arrays.
function indexers(d: MatmulDims, ta: boolean, tb: boolean) {
  const { m, n, k } = d;
  return {
    ai: (bt: number, i: number, p: number) => bt * m * k + (ta ? p * m + i : i * k + p),
    bi: (bt: number, p: number, j: number) => bt * k * n + (tb ? j * k + p : p * n + j),
  };
}

export function matmulRef(a: ArrayLike<number>, as: number[], b: ArrayLike<number>, bs: number[], ta: boolean, tb: boolean): Float64Array {
  const d = matmulDims(as, bs, ta, tb);
  const { ai, bi } = indexers(d, ta, tb);
  const y = new Float64Array(d.batch * d.m * d.n);
  for (let bt = 0; bt < d.batch; bt++) {
    for (let i = 0; i < d.m; i++) {
      for (let j = 0; j < d.n; j++) {
        let s = 0;
        for (let p = 0; p < d.k; p++) s += a[ai(bt, i, p)] * b[bi(bt, p, j)];
        y[(bt * d.m + i) * d.n + j] = s;
      }
    }
  }
  return y;
}

/** Gradients of L = <matmul(a, b), dy>, shaped like a and b (transposed storage respected). */
export function matmulBackwardRef(
  dy: ArrayLike<number>,
  a: ArrayLike<number>,
  as: number[],
  b: ArrayLike<number>,
  bs: number[],
  ta: boolean,
  tb: boolean,
): { da: Float64Array; db: Float64Array } {
  const d = matmulDims(as, bs, ta, tb);
  const { ai, bi } = indexers(d, ta, tb);
  const da = new Float64Array(a.length);
  const db = new Float64Array(b.length);
  for (let bt = 0; bt < d.batch; bt++) {
    for (let i = 0; i < d.m; i++) {
      for (let j = 0; j < d.n; j++) {
        const g = dy[(bt * d.m + i) * d.n + j];
        for (let p = 0; p < d.k; p++) {
          da[ai(bt, i, p)] += g * b[bi(bt, p, j)];
          db[bi(bt, p, j)] += g * a[ai(bt, i, p)];
        }
      }
    }
  }
  return { da, db };
}

/** y (R, out) = x (R, in) w^T + b over the flattened rows of x. */
export function linearRef(x: ArrayLike<number>, inF: number, w: ArrayLike<number>, outF: number, b: ArrayLike<number> | null): Float64Array {
  const rows = x.length / inF;
  const y = new Float64Array(rows * outF);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outF; o++) {
      let s = b ? b[o] : 0;
      for (let i = 0; i < inF; i++) s += x[r * inF + i] * w[o * inF + i];
      y[r * outF + o] = s;
    }
  }
  return y;
}

export function linearBackwardRef(
  dy: ArrayLike<number>,
  x: ArrayLike<number>,
  inF: number,
  w: ArrayLike<number>,
  outF: number,
): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const rows = x.length / inF;
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  const db = new Float64Array(outF);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outF; o++) {
      const g = dy[r * outF + o];
      db[o] += g;
      for (let i = 0; i < inF; i++) {
        dx[r * inF + i] += g * w[o * inF + i];
        dw[o * inF + i] += g * x[r * inF + i];
      }
    }
  }
  return { dx, dw, db };
}
