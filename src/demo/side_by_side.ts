// The demo's printed table: the kernel-size table's rows (one per model) turned on their side, so the models
// stand in columns next to each other and every measurement is one line with words, not a column key.
import type { Row } from '../train/ablate/table.js';

/** A readable name for a column key of ablationRows. */
function label(key: string): string {
  const fixed: Record<string, string> = {
    train_val_acc: 'accuracy on the full test split after training',
    clean_acc: 'clean',
    corruption_acc: 'corrupted (mean over corruptions and severities)',
    mce_vs_smallest: 'mCE relative to the smallest kernel (lower is better)',
    band_noise_acc: 'band-limited noise (mean over bands)',
    kernel_distance: 'kernel attention distance (pixels, mean over layers)',
  };
  if (fixed[key]) return fixed[key]!;
  const occluded = /^occlusion_random@(.+)$/.exec(key);
  if (occluded) return `occluded: ${Math.round(100 * Number(occluded[1]))}% of patches dropped at random`;
  const pgd = /^pgd@(.+)$/.exec(key);
  if (pgd) return `attacked: PGD L∞ ε = ${+(255 * Number(pgd[1])).toFixed(2)}/255`;
  const band = /^band@(.+)$/.exec(key);
  if (band) return `  noise in band ${Number(band[1]).toFixed(1)}π–${(Number(band[1]) + 0.1).toFixed(1)}π`;
  return key;
}

function value(key: string, v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  if (key === 'mce_vs_smallest') return v.toFixed(3);
  if (key === 'kernel_distance') return v.toFixed(2);
  return `${(100 * v).toFixed(1)}%`;
}

/** One line per measurement, one column per model (named by `names`, in row order). */
export function sideBySide(rows: Row[], names: string[]): string {
  const keys = Object.keys(rows[0] ?? {}).filter((k) => k !== 'kernel_size');
  const lines = [['', ...names], ...keys.map((k) => [label(k), ...rows.map((r) => value(k, r[k]))])];
  const widths = lines[0]!.map((_, c) => Math.max(...lines.map((l) => l[c]!.length)));
  return lines.map((l) => l.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}
