// Learning-rate schedules by optimiser step: timm's CosineLRScheduler (one cycle, t_in_epochs=False) with a
// linear warm-up, checked against timm in test/train/parity.test.ts.

export interface CosineSchedule {
  /** Peak learning rate, reached at the end of the warm-up. */
  lr: number;
  /** Steps of the cosine (timm t_initial); the warm-up steps count inside it, as in timm without warmup_prefix. */
  totalSteps: number;
  warmupSteps: number;
  /** Learning rate at step 0 of the warm-up. */
  warmupLrInit: number;
  /** Floor of the cosine. */
  lrMin: number;
}

export function cosineLr(s: CosineSchedule, step: number): number {
  if (step < s.warmupSteps) return s.warmupLrInit + (step * (s.lr - s.warmupLrInit)) / s.warmupSteps;
  if (step >= s.totalSteps) return s.lrMin;
  return s.lrMin + 0.5 * (s.lr - s.lrMin) * (1 + Math.cos((Math.PI * step) / s.totalSteps));
}

export function checkSchedule(s: CosineSchedule): void {
  const bad = (what: string, v: number) => {
    const e = new RangeError(`learning-rate schedule: ${what}, received ${v}`);
    (e as RangeError & { code: string }).code = 'LKR_ARG';
    throw e;
  };
  if (!(s.lr > 0)) bad('expected lr > 0', s.lr);
  if (!Number.isInteger(s.totalSteps) || s.totalSteps < 1) bad('expected total steps a positive integer', s.totalSteps);
  if (!Number.isInteger(s.warmupSteps) || s.warmupSteps < 0 || s.warmupSteps >= s.totalSteps)
    bad('expected warm-up steps an integer in [0, total steps)', s.warmupSteps);
  if (!(s.lrMin >= 0) || s.lrMin > s.lr) bad('expected 0 <= lr-min <= lr', s.lrMin);
  if (!(s.warmupLrInit >= 0)) bad('expected warm-up initial lr >= 0', s.warmupLrInit);
}
