import { readFileSync } from 'node:fs';
import {
  RunDirectory,
  selectSupervisedQuestions,
  type TrainConfig,
  totalIterations,
  trainConfigSchema,
} from '@mmnet/trainer';

/**
 * Training questions served after `step` updates, each of `batchMultiplier` batches of `batchSize`, in epochs of
 * `perEpoch` questions (the last batch of an epoch may be short).
 */
export function questionsSeen(
  step: number,
  perEpoch: number,
  batchSize: number,
  batchMultiplier = 1,
): number {
  const served = step * batchMultiplier;
  const batchesPerEpoch = Math.ceil(perEpoch / batchSize);
  const epochs = Math.floor(served / batchesPerEpoch);
  return epochs * perEpoch + Math.min((served % batchesPerEpoch) * batchSize, perEpoch);
}

/** Where an `mmnet train` run folder is: its config, questions per epoch, steps done and steps planned. */
export function runProgress(
  runDir: string,
  trainQuestions: number,
): { config: TrainConfig; perEpoch: number; steps: number; totalSteps: number; completed: boolean } {
  const dir = new RunDirectory(runDir);
  const config = trainConfigSchema.parse(JSON.parse(readFileSync(dir.path('config.json'), 'utf8')));
  const perEpoch = config.program_supervision_fraction
    ? selectSupervisedQuestions(trainQuestions, config.program_supervision_fraction, config.seed).length
    : trainQuestions;
  const steps = dir.readManifest().step;
  const totalSteps = totalIterations(
    Math.ceil(perEpoch / config.batch_size),
    config.max_epochs,
    config.batch_multiplier,
    config.max_iterations,
  );
  return { config, perEpoch, steps, totalSteps, completed: steps >= totalSteps };
}
