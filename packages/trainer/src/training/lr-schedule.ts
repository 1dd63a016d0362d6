/** How the learning rate moves over a run (after the warmup). */
export const LR_SCHEDULES = ['constant', 'cosine', 'linear'] as const;
type LrSchedule = (typeof LR_SCHEDULES)[number];

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

/**
 * The fraction of a run's budget used, for `learningRateFactor`: of its iterations, or of its time when
 * --max_minutes is set and the time ends it first. Time counts across resumes: a run resumed after
 * `minutesBefore` minutes of training with `maxMinutes` more has `minutesBefore + maxMinutes` in all, so a
 * decaying schedule continues where the checkpoint left it instead of starting again.
 */
export function scheduleProgress(run: {
  step: number;
  totalIterations: number;
  minutesBefore: number;
  minutesThisProcess: number;
  maxMinutes?: number;
}): number {
  const byIterations = run.step / Math.max(1, run.totalIterations);
  if (run.maxMinutes === undefined) return byIterations;
  const total = run.minutesBefore + run.maxMinutes;
  return Math.max(byIterations, (run.minutesBefore + run.minutesThisProcess) / Math.max(1e-9, total));
}
