/** How the learning rate moves over a run (after the warmup). */
export const LR_SCHEDULES = ['constant', 'cosine', 'linear'] as const;
export type LrSchedule = (typeof LR_SCHEDULES)[number];

export interface LrScheduleSettings {
  schedule: LrSchedule;
  /** Iterations of linear warmup from lr / warmup to lr (0: none). */
  warmup: number;
  /** The factor reached at the end of a decaying schedule. */
  finalFactor: number;
}

/**
 * The factor of the base learning rate for iteration `step` (0-based): linear warmup over the first `warmup`
 * iterations, then 1 (constant), or a cosine / linear decay from 1 to `finalFactor` as `progress` goes from 0
 * to 1, `progress` being the fraction of the run's budget used (of its iterations, or of --max_minutes when
 * the time ends it first). The warmup wins while it lasts.
 */
export function learningRateFactor(settings: LrScheduleSettings, step: number, progress: number): number {
  const { schedule, warmup, finalFactor } = settings;
  if (warmup > 0 && step < warmup) return (step + 1) / warmup;
  if (schedule === 'constant') return 1;
  const t = Math.min(1, Math.max(0, progress));
  const shape = schedule === 'cosine' ? 0.5 * (1 + Math.cos(Math.PI * t)) : 1 - t;
  return finalFactor + (1 - finalFactor) * shape;
}
