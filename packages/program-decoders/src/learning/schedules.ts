import type { GumbelSchedule, LengthCurriculum } from './config.js';

/** The Gumbel-softmax temperature at a training step. */
export function gumbelTemperature(schedule: GumbelSchedule, step: number): number {
  return Math.max(schedule.min, schedule.start * Math.exp(-schedule.decayRate * step));
}

/** The maximum program length at a training step. */
export function curriculumLength(curriculum: LengthCurriculum, step: number): number {
  const grown = curriculum.start + curriculum.increment * Math.floor(Math.max(0, step) / curriculum.every);
  return Math.min(curriculum.max, grown);
}
