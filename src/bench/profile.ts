// The engine's op profiler (native/core/profile.h) for the benches: multiply-accumulates and wall time per op kind
// of one pass, the measured FMA peak, and the table `bench model --profile` prints.
import { addon } from '../native.js';

export interface OpProfileRow {
  op: string;
  calls: number;
  ms: number;
  /** Multiply-accumulates on real data (a convolution's padding taps left out). */
  macs: number;
  /** Every tap, padding included (what PyTorch's flop counter counts). */
  dense_macs: number;
}

/** Runs fn with the profiler counting; one pass at a time (the counters are the engine's, not fn's). */
export async function profiled<T>(fn: () => Promise<T>): Promise<{ result: T; rows: OpProfileRow[] }> {
  const a = addon() as unknown as { profileStart(): void; profileStop(): OpProfileRow[] };
  a.profileStart();
  let rows: OpProfileRow[] = [];
  try {
    const result = await fn();
    rows = a.profileStop();
    return { result, rows };
  } finally {
    if (rows.length === 0) a.profileStop();
  }
}

export function totalMacs(rows: OpProfileRow[]): number {
  return rows.reduce((s, r) => s + r.macs, 0);
}

/** This CPU's measured fp32 FMA peak in GFLOP/s with the engine's threads (NaN without AVX2). */
export async function fmaPeakGflops(): Promise<number> {
  return (addon() as unknown as { fmaPeak(): Promise<number> }).fmaPeak();
}

/** Rows of the per-op table: share of the pass's time, MACs and the rate each op kind reached. */
export function profileTable(rows: OpProfileRow[], pass: string): Record<string, unknown>[] {
  const total = rows.reduce((s, r) => s + r.ms, 0);
  return [...rows]
    .sort((a, b) => b.ms - a.ms)
    .map((r) => ({
      pass,
      op: r.op,
      calls: r.calls,
      ms: Number(r.ms.toFixed(3)),
      share: Number((r.ms / total).toFixed(3)),
      gmacs: Number((r.macs / 1e9).toFixed(3)),
      gflops: r.macs > 0 ? Number(((2 * r.macs) / (r.ms * 1e6)).toFixed(1)) : null,
    }));
}
