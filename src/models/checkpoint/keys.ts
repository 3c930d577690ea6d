// Matching a checkpoint against the parameters a model expects: every problem reported by name at once.
import { CheckpointError } from './errors.js';
import type { StateDict } from './state_dict.js';

export interface ExpectedParam {
  name: string;
  shape: number[];
}

export interface KeyReport {
  missing: string[];
  unexpected: string[];
  misShaped: { name: string; expected: number[]; found: number[] }[];
  nonFloat: { name: string; dtype: string }[];
}

// Buffers PyTorch saves that carry no weights.
const IGNORED = /(^|\.)num_batches_tracked$/;

export function checkStateDict(sd: StateDict, expected: ExpectedParam[], file: string, opts: { strict?: boolean } = {}): KeyReport {
  const report: KeyReport = { missing: [], unexpected: [], misShaped: [], nonFloat: [] };
  const want = new Map(expected.map((p) => [p.name, p.shape]));
  for (const p of expected) {
    const t = sd.get(p.name);
    if (!t) {
      report.missing.push(p.name);
      continue;
    }
    if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
      report.misShaped.push({ name: p.name, expected: p.shape, found: t.shape });
    } else if (!t.data) {
      report.nonFloat.push({ name: p.name, dtype: t.dtype });
    }
  }
  for (const k of sd.keys()) if (!want.has(k) && !IGNORED.test(k)) report.unexpected.push(k);
  const strict = opts.strict ?? true;
  const problems: string[] = [];
  const list = (xs: string[]) => xs.slice(0, 12).join(', ') + (xs.length > 12 ? `, … (${xs.length} in all)` : '');
  if (report.missing.length) problems.push(`missing keys: ${list(report.missing)}`);
  if (strict && report.unexpected.length) problems.push(`unexpected keys: ${list(report.unexpected)}`);
  if (report.misShaped.length) {
    problems.push(
      `mis-shaped: ${list(report.misShaped.map((m) => `${m.name} expected [${m.expected}] found [${m.found}]`))}`,
    );
  }
  if (report.nonFloat.length) {
    problems.push(`not floating-point: ${list(report.nonFloat.map((m) => `${m.name} (${m.dtype})`))}`);
  }
  if (problems.length) {
    throw new CheckpointError('LKR_CKPT_KEYS', `${file}: does not fit the model: ${problems.join('; ')}`);
  }
  return report;
}
