// The ablation's table (Tables 5 / 7 style): one row per kernel size, every other setting identical. Accuracies
// are fractions; mCE is ImageNet-C's CE_c = Σ_s E_s / Σ_s E_s^baseline averaged over the corruptions, with the
// smallest kernel as the baseline model (there is no AlexNet on this data), so the baseline's mCE is 1.
import { corruptionError } from '../../metrics/imagenet_c.js';
import type { CellValues } from './robustness.js';

export interface SizeResult {
  kernelSize: number;
  /** Validation accuracy the training log recorded after the last epoch. */
  trainValAcc: number | null;
  cells: Record<string, CellValues>;
}

export type Row = Record<string, number | null>;

const mean = (a: number[]) => (a.length ? a.reduce((s, v) => s + v, 0) / a.length : null);

/** corruption -> errors in severity order, from a model's corrupt-<name>-<s> cells. */
function corruptionErrors(cells: Record<string, CellValues>): Map<string, number[]> {
  const out = new Map<string, { s: number; e: number }[]>();
  for (const [id, v] of Object.entries(cells)) {
    const m = /^corrupt-([a-z_]+)-(\d)$/.exec(id);
    if (m) out.set(m[1]!, [...(out.get(m[1]!) ?? []), { s: Number(m[2]), e: 1 - v.clean! }]);
  }
  return new Map([...out].map(([c, l]) => [c, l.sort((a, b) => a.s - b.s).map((x) => x.e)]));
}

export function ablationRows(results: SizeResult[]): Row[] {
  const base = corruptionErrors(results[0]!.cells);
  return results.map((r) => {
    const row: Row = { kernel_size: r.kernelSize, train_val_acc: r.trainValAcc, clean_acc: r.cells.clean?.clean ?? null };
    const errs = corruptionErrors(r.cells);
    if (errs.size) {
      const ces: number[] = [];
      for (const [c, e] of errs) {
        const b = base.get(c);
        const denominator = b ? b.reduce((s, v) => s + v, 0) : 0;
        if (b && denominator > 0) ces.push(corruptionError(e, b));
      }
      row.corruption_acc = mean(Object.entries(r.cells).filter(([id]) => id.startsWith('corrupt-')).map(([, v]) => v.clean!));
      row.mce_vs_smallest = ces.length === errs.size ? mean(ces) : null;
    }
    for (const id of ['occlusion-random', 'pgd', 'band-noise'] as const) {
      const v = r.cells[id];
      if (!v) continue;
      const settings = Object.entries(v).filter(([k]) => k !== 'clean');
      if (id === 'band-noise') row.band_noise_acc = mean(settings.map(([, x]) => x));
      for (const [k, x] of settings) row[id === 'occlusion-random' ? `occlusion_${k}` : k] = x;
    }
    row.kernel_distance = r.cells['kernel-distance']?.mean ?? null;
    return row;
  });
}
