// Shared driver for the per-family op tests (norm, activation, elementwise, pool, attention, loss): every case
// runs its forward under each ISA the CPU has against a float64 reference, its backwards (input and
// parameters) against float64 reference backwards, and the same backwards against central finite differences
// of the float64 reference forward (test/helpers/gradcheck.ts); plus a PyTorch runner for the oracle.
//
// Tolerances, stated once:
// - REF_TOL = 1e-5, relative L2 against float64: the engine computes in float32 (unit roundoff 6e-8) with
//   statistics and row sums in double; the longest float32 chains here (attention scores over D = 64, its
//   axpys over T = 197, pooling sums over 49 taps) drift by a few ulps, ~1e-6 at worst. An indexing or
//   formula slip gives errors of order 1e-2 or more.
// - FD_TOL = 1e-4 on directional derivatives: the float64 central difference at h = 1e-6 is good to ~1e-9
//   (truncation h^2 f''' plus rounding eps64/h); the rest is the ~1e-6 float32 error of the analytic gradient,
//   which the projection onto a random direction can amplify ~10x by cancellation. 1e-4 leaves a 10x margin.
import type { Test } from 'tap';

import { engineInfo, runOpSync, type OpAttrs, type Tensor } from '../../src/native.js';
import { directionalCheck } from '../helpers/gradcheck.js';
import { runOracle, type Arr } from '../helpers/oracle.js';
import { mulberry, rand, relL2, toF64 } from '../helpers/tensor.js';

export type F64 = Float64Array;
export const REF_TOL = 1e-5;
export const FD_TOL = 1e-4;

const ALL_ISAS = ['avx512', 'avx2', 'scalar'];
/** The ISAs this CPU can run, best first (LKR_ISA is read by the engine on every call). */
export const ISAS = ALL_ISAS.slice(ALL_ISAS.indexOf(engineInfo().cpu.isa_detected));

export function withIsa<T>(isa: string, f: () => T): T {
  const before = process.env.LKR_ISA;
  process.env.LKR_ISA = isa;
  try {
    return f();
  } finally {
    if (before === undefined) delete process.env.LKR_ISA;
    else process.env.LKR_ISA = before;
  }
}

export interface OpCase {
  name: string;
  op: string;
  inputs: Tensor[];
  attrs?: OpAttrs;
  /** Which of the op's outputs is y (default 0). */
  output?: number;
  /** float64 reference forward over all inputs. */
  ref: (x: F64[]) => F64;
  /** The engine's gradient for each input for L = <y, dy> (null: input not differentiated). */
  grads?: (dy: Tensor, y: Tensor) => (Tensor | null)[];
  /** The float64 reference gradients, same order (null where grads has null). */
  refGrads?: (dy: F64, x: F64[]) => (F64 | null)[];
}

export function close(t: Test, what: string, got: ArrayLike<number> | null | undefined, want: ArrayLike<number>, tol = REF_TOL): void {
  if (!got) {
    t.fail(`${what}: no output`);
    return;
  }
  const e = relL2(got, want);
  t.ok(e <= tol, `${what}: rel L2 ${e.toExponential(2)} <= ${tol}`);
}

/** Runs one case: forward and backwards under every ISA vs float64, then finite differences once. */
export function runCase(t: Test, c: OpCase, seed: number): void {
  const x64 = c.inputs.map(toF64);
  const want = c.ref(x64);
  let y: Tensor | null = null;
  for (const isa of ISAS) {
    y = withIsa(isa, () => runOpSync(c.op, c.inputs, c.attrs)[c.output ?? 0]);
    close(t, `${c.name} [${isa}] forward`, y?.data, want);
  }
  if (!c.grads || !y) return;
  const yy = y;
  const dy = rand(yy.shape, mulberry(seed));
  const dy64 = toF64(dy);
  const wantGrads = c.refGrads ? c.refGrads(dy64, x64) : null;
  let grads: (Tensor | null)[] = [];
  for (const isa of ISAS) {
    grads = withIsa(isa, () => c.grads!(dy, yy));
    if (wantGrads) {
      grads.forEach((g, i) => {
        if (wantGrads[i]) close(t, `${c.name} [${isa}] d/d input ${i} vs float64 backward`, g?.data, wantGrads[i]!);
      });
    }
  }
  const which = grads.flatMap((g, i) => (g ? [i] : []));
  const res = directionalCheck(c.ref, x64, grads.map((g) => (g ? toF64(g) : new Float64Array(0))), dy64, { which, seed });
  res.errors.forEach((err, j) => t.ok(err <= FD_TOL, `${c.name}: d/d input ${which[j]} vs finite differences (${err.toExponential(1)} <= ${FD_TOL})`));
}

/** Distinct values (a shuffled ramp in [-1, 1)), so max pooling has no near-ties for finite differences to cross. */
export function distinct(shape: number[], rng: () => number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Float32Array.from({ length: n }, (_, i) => -1 + (2 * i) / n);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [v[i], v[j]] = [v[j], v[i]];
  }
  return { shape: [...shape], data: v };
}

export interface OracleCase {
  id: string;
  op: string;
  /** names of the arrays passed (in op order) */
  inputs: string[];
  attrs?: Record<string, unknown>;
  /** name of the output weighting; gradients are returned for the inputs listed in `wrt` (indices). */
  dy?: string;
  wrt?: number[];
}

/** Runs test/oracle/ops_misc.py (PyTorch, float64, autograd) on the cases; returns its out_* arrays. */
export async function pytorch(cases: OracleCase[], arrays: Record<string, Arr>): Promise<Record<string, Arr>> {
  return runOracle(new URL('../oracle/ops_misc.py', import.meta.url).pathname, cases, arrays);
}
