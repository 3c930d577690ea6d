// Central finite differences of a float64 reference forward, compared with an analytic gradient.
// For L(inputs) = <f(inputs), r>, the directional derivative along v_i is <dL/dinput_i, v_i>; its central
// difference (L(x + h v) - L(x - h v)) / 2h has error O(h^2 f''') plus rounding O(eps_64 / h): at h = 1e-6 in
// float64 both are far below the ~1e-6 relative accuracy of a float32 analytic gradient.
import { mulberry } from './tensor.js';

export interface DirectionalResult {
  /** Relative error per input: |analytic - numeric| / max(|numeric|, scale). */
  errors: number[];
  analytic: number[];
  numeric: number[];
}

export interface DirectionalOptions {
  h?: number;
  seed?: number;
  /** Inputs (by index) to check; default all. */
  which?: number[];
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function norm(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

/**
 * @param forward  float64 reference forward over all inputs
 * @param inputs   the point (float64 copies of the float32 values the engine saw)
 * @param analytic dL/dinput_i from the engine's backward with dy = r (same order as inputs)
 * @param r        the output weighting defining L = <f, r>
 */
export function directionalCheck(
  forward: (inputs: Float64Array[]) => Float64Array,
  inputs: Float64Array[],
  analytic: (Float64Array | ArrayLike<number>)[],
  r: Float64Array,
  opts: DirectionalOptions = {},
): DirectionalResult {
  const h = opts.h ?? 1e-6;
  const rng = mulberry(opts.seed ?? 1234);
  const which = opts.which ?? inputs.map((_, i) => i);
  const out: DirectionalResult = { errors: [], analytic: [], numeric: [] };
  for (const i of which) {
    const v = new Float64Array(inputs[i].length);
    for (let k = 0; k < v.length; k++) v[k] = rng() * 2 - 1;
    const scaleV = 1 / Math.max(norm(v), 1e-30);
    for (let k = 0; k < v.length; k++) v[k] *= scaleV;
    const plus = inputs.map((x) => Float64Array.from(x));
    const minus = inputs.map((x) => Float64Array.from(x));
    for (let k = 0; k < v.length; k++) {
      plus[i][k] += h * v[k];
      minus[i][k] -= h * v[k];
    }
    const numeric = (dot(forward(plus), r) - dot(forward(minus), r)) / (2 * h);
    const an = dot(analytic[i], v);
    // Scale: the size of the gradient itself, so a tiny directional derivative of a large gradient is not
    // judged by a relative error that is meaningless there.
    const scale = Math.max(Math.abs(numeric), norm(analytic[i]) * 1e-3, 1e-12);
    out.errors.push(Math.abs(an - numeric) / scale);
    out.analytic.push(an);
    out.numeric.push(numeric);
  }
  return out;
}
