// ImageNet-C corruption errors (REFERENCE §3.2, §3.3, §8). All values are fractions (0.62 = 62 %): the
// ×100 of the paper's tables happens only where numbers are displayed.
//   CE_c          = Σ_s E_{s,c} / Σ_s E^AlexNet_{s,c}
//   relative CE_c = Σ_s (E_{s,c} − E_clean) / Σ_s (E^AlexNet_{s,c} − E^AlexNet_clean)
//   mCE, relative mCE = mean over the 15 benchmark corruptions; extras get their own CE; the mean CE over
//   all 19 and the unnormalised mean error over all 19 × 5 (hendrycks test.py's "mCE (unnormalized)") too.
// Nothing is averaged over an incomplete table: a missing severity makes that corruption's CE null and
// every mean that needs it null, with the reason.

export const SEVERITIES = [1, 2, 3, 4, 5] as const;

/** The AlexNet baseline this module needs; `alexnetC()` from src/data/reference_data.ts provides it. */
export interface CBaseline {
  clean_error: number;
  /** Per corruption, AlexNet top-1 error for severities 1..5 (index 0 = severity 1). */
  errors_per_severity: Record<string, readonly number[]>;
  benchmark_15: readonly string[];
  extra_4: readonly string[];
}

/** Model errors per corruption: index s−1 holds severity s; null/undefined (or a short array) = not measured. */
export type ErrorTable = Record<string, ReadonlyArray<number | null | undefined>>;

export interface ErrorRow {
  corruption: string;
  severity: number;
  error: number;
}

/** Builds an ErrorTable from (corruption, severity, error) rows; a repeated pair or a bad severity throws. */
export function errorTable(rows: Iterable<ErrorRow>): ErrorTable {
  const t: Record<string, (number | null)[]> = {};
  for (const r of rows) {
    if (!Number.isInteger(r.severity) || r.severity < 1 || r.severity > 5) {
      throw new RangeError(`errorTable: ${r.corruption} severity ${r.severity}, expected an integer 1..5`);
    }
    const row = (t[r.corruption] ??= [null, null, null, null, null]);
    if (row[r.severity - 1] !== null) throw new Error(`errorTable: ${r.corruption} severity ${r.severity} given twice`);
    row[r.severity - 1] = checkError(r.error, `${r.corruption} severity ${r.severity}`);
  }
  return t;
}

function checkError(e: number, what: string): number {
  if (typeof e !== 'number' || !Number.isFinite(e) || e < 0 || e > 1) {
    throw new RangeError(`ImageNet-C: error for ${what} is ${e}, expected a fraction in [0, 1]`);
  }
  return e;
}

function sum(a: readonly number[]): number {
  let s = 0;
  for (const v of a) s += v;
  return s;
}

function mean(a: readonly number[]): number {
  return sum(a) / a.length;
}

/** CE_c = Σ_s E_s / Σ_s A_s over the same (five) severities. */
export function corruptionError(errors: readonly number[], alexnet: readonly number[]): number {
  if (errors.length !== alexnet.length || errors.length === 0) {
    throw new RangeError(`corruptionError: ${errors.length} model errors vs ${alexnet.length} AlexNet errors`);
  }
  return sum(errors) / sum(alexnet);
}

/** Relative CE_c = Σ_s (E_s − E_clean) / Σ_s (A_s − A_clean); null when the AlexNet denominator is not positive. */
export function relativeCorruptionError(
  errors: readonly number[],
  clean: number,
  alexnet: readonly number[],
  alexnetClean: number,
): number | null {
  if (errors.length !== alexnet.length || errors.length === 0) {
    throw new RangeError(`relativeCorruptionError: ${errors.length} model errors vs ${alexnet.length} AlexNet errors`);
  }
  let num = 0;
  let den = 0;
  for (let s = 0; s < errors.length; s++) {
    num += errors[s] - clean;
    den += alexnet[s] - alexnetClean;
  }
  return den > 0 ? num / den : null;
}

export type CorruptionSet = 'benchmark' | 'extra' | 'other';

export interface CorruptionScore {
  corruption: string;
  /** 'benchmark' = one of the 15 of mCE; 'extra' = one of the 4 extras; 'other' = no AlexNet baseline. */
  set: CorruptionSet;
  /** Model top-1 error per severity 1..5, null where not measured. */
  errors: (number | null)[];
  missingSeverities: number[];
  /** Mean error over the 5 severities (unnormalised); null unless all 5 are present. */
  meanError: number | null;
  /** CE_c; null unless all 5 severities are present and an AlexNet baseline exists. */
  ce: number | null;
  /** Relative CE_c; null also when no clean error was given. */
  relativeCe: number | null;
  /** Why ce / relativeCe are null, when they are. */
  note: string | null;
}

export interface ImageNetCSummary {
  /** Always 'fraction': multiply by 100 to display percentages. */
  units: 'fraction';
  cleanError: number | null;
  alexnetCleanError: number;
  /** The 15 benchmark corruptions, then the 4 extras (canonical order), then any others sorted by name. */
  corruptions: CorruptionScore[];
  /** Of the 19 known corruptions, those with any severity missing (all five when the corruption is absent). */
  missing: { corruption: string; severities: number[] }[];
  /** Mean CE over the 15 benchmark corruptions. */
  mCE: number | null;
  mCEReason: string | null;
  /** Mean relative CE over the 15. */
  relativeMCE: number | null;
  relativeMCEReason: string | null;
  /** Mean CE over all 19 (15 + 4 extras), the LKRobust setting. */
  meanCE19: number | null;
  meanCE19Reason: string | null;
  /** Plain mean of the model's errors over all 19 × 5 cells, not normalised by AlexNet. */
  unnormalizedMeanError19: number | null;
  unnormalizedMeanError19Reason: string | null;
}

function describeMissing(missing: { corruption: string; severities: number[] }[]): string {
  return missing
    .map((m) => (m.severities.length === 5 ? `${m.corruption} (absent)` : `${m.corruption} (severity ${m.severities.join(', ')})`))
    .join('; ');
}

/**
 * Scores a table of model errors against the AlexNet baseline. `cleanError` (the model's clean val top-1
 * error) is needed only for the relative CEs. Corruptions outside the baseline are kept, with set 'other'.
 */
export function imagenetCSummary(errors: ErrorTable, baseline: CBaseline, cleanError: number | null = null): ImageNetCSummary {
  if (cleanError !== null) checkError(cleanError, 'clean');
  const bench = [...baseline.benchmark_15];
  const extra = [...baseline.extra_4];
  const known = new Set([...bench, ...extra]);
  const others = Object.keys(errors)
    .filter((c) => !known.has(c))
    .sort();
  const order = [...bench, ...extra, ...others];

  const scores: CorruptionScore[] = order.map((c) => {
    const given = errors[c] ?? [];
    if (given.length > 5) throw new RangeError(`ImageNet-C: ${c} has ${given.length} severities, expected at most 5`);
    const row: (number | null)[] = SEVERITIES.map((s) => {
      const v = given[s - 1];
      return v === null || v === undefined ? null : checkError(v, `${c} severity ${s}`);
    });
    const missingSeverities = SEVERITIES.filter((s) => row[s - 1] === null);
    const set: CorruptionSet = bench.includes(c) ? 'benchmark' : extra.includes(c) ? 'extra' : 'other';
    const score: CorruptionScore = {
      corruption: c,
      set,
      errors: row,
      missingSeverities: [...missingSeverities],
      meanError: null,
      ce: null,
      relativeCe: null,
      note: null,
    };
    if (missingSeverities.length > 0) {
      score.note = `severities ${missingSeverities.join(', ')} missing`;
      return score;
    }
    const full = row as number[];
    score.meanError = mean(full);
    const alex = baseline.errors_per_severity[c];
    if (set === 'other' || !alex || alex.length !== 5) {
      score.note = 'no AlexNet baseline for this corruption';
      return score;
    }
    score.ce = corruptionError(full, alex);
    if (cleanError === null) score.note = 'relative CE needs the clean error';
    else {
      score.relativeCe = relativeCorruptionError(full, cleanError, alex, baseline.clean_error);
      if (score.relativeCe === null) score.note = 'AlexNet errors do not exceed its clean error: relative CE undefined';
    }
    return score;
  });

  const byName = new Map(scores.map((s) => [s.corruption, s]));
  const missing = [...bench, ...extra]
    .map((c) => ({ corruption: c, severities: byName.get(c)!.missingSeverities }))
    .filter((m) => m.severities.length > 0);
  const missingIn = (names: string[]) => missing.filter((m) => names.includes(m.corruption));

  const meanOver = (names: string[], pick: (s: CorruptionScore) => number | null, label: string, extraReason?: string) => {
    const miss = missingIn(names);
    if (miss.length > 0) return { value: null, reason: `${label} needs all ${names.length} × 5 errors; missing: ${describeMissing(miss)}` };
    if (extraReason) return { value: null, reason: extraReason };
    const vals = names.map((c) => pick(byName.get(c)!));
    if (vals.some((v) => v === null)) return { value: null, reason: `${label}: some corruption scores are undefined (see their notes)` };
    return { value: mean(vals as number[]), reason: null };
  };

  const mce = meanOver(bench, (s) => s.ce, 'mCE');
  const rel = meanOver(bench, (s) => s.relativeCe, 'relative mCE', cleanError === null ? 'relative mCE needs the clean error' : undefined);
  const all19 = [...bench, ...extra];
  const ce19 = meanOver(all19, (s) => s.ce, 'mean CE over 19');
  const raw19 = meanOver(all19, (s) => s.meanError, 'unnormalised mean error over 19');

  return {
    units: 'fraction',
    cleanError,
    alexnetCleanError: baseline.clean_error,
    corruptions: scores,
    missing,
    mCE: mce.value,
    mCEReason: mce.reason,
    relativeMCE: rel.value,
    relativeMCEReason: rel.reason,
    meanCE19: ce19.value,
    meanCE19Reason: ce19.reason,
    unnormalizedMeanError19: raw19.value,
    unnormalizedMeanError19Reason: raw19.reason,
  };
}
