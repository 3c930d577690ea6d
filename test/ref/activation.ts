// Float64 naive references for the activation family (native/core/ops/activation.h), from the definitions.
export type F64 = Float64Array;

/** erf to full double accuracy: Maclaurin series below 2.5, the erfc continued fraction (Lentz) above. */
export function erf(z: number): number {
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
    r = 1 - erfcLarge(a);
  }
  return z < 0 ? -r : r;
}

/** erfc(a) for a >= 2.5 without cancellation. */
function erfcLarge(a: number): number {
  let f = a;
  let C = a;
  let D = 0;
  for (let n = 1; n < 300; n++) {
    const an = n / 2;
    D = 1 / (a + an * D);
    C = a + an / C;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-a * a) / (f * Math.sqrt(Math.PI));
}

/** The standard normal CDF, accurate in both tails. */
export function phi(x: number): number {
  const z = x / Math.SQRT2;
  if (z < -2.5) return 0.5 * erfcLarge(-z);
  return 0.5 * (1 + erf(z));
}

const K0 = Math.sqrt(2 / Math.PI);
const K1 = 0.044715;

export function gelu(x: F64, approx: 'none' | 'tanh'): F64 {
  return x.map((v) => (approx === 'tanh' ? 0.5 * v * (1 + Math.tanh(K0 * (v + K1 * v ** 3))) : v * phi(v)));
}

export function geluBackward(dy: F64, x: F64, approx: 'none' | 'tanh'): F64 {
  return x.map((v, i) => {
    if (approx === 'tanh') {
      const t = Math.tanh(K0 * (v + K1 * v ** 3));
      return dy[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * K0 * (1 + 3 * K1 * v * v));
    }
    return dy[i] * (phi(v) + (v * Math.exp(-0.5 * v * v)) / Math.sqrt(2 * Math.PI));
  });
}

export const relu = (x: F64): F64 => x.map((v) => Math.max(0, v));
export const reluBackward = (dy: F64, x: F64): F64 => x.map((v, i) => (v > 0 ? dy[i] : 0));

/** Softmax over the last dim (size C). */
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

/** dx = y (dy - <dy, y>) per row: the Jacobian-vector product of softmax, from its output y. */
export function softmaxBackward(dy: F64, y: F64, C: number): F64 {
  const dx = new Float64Array(y.length);
  for (let r = 0; r < y.length / C; r++) {
    let dot = 0;
    for (let c = 0; c < C; c++) dot += dy[r * C + c] * y[r * C + c];
    for (let c = 0; c < C; c++) dx[r * C + c] = y[r * C + c] * (dy[r * C + c] - dot);
  }
  return dx;
}
