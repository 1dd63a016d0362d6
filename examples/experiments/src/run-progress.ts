import { readFileSync } from 'node:fs';
import { RunDirectory, selectSupervisedQuestions, type TrainConfig, trainConfigSchema } from '@mmnet/trainer';

/** Training questions served after `step` updates of `batchSize` (batch_multiplier 1), epochs of `perEpoch`. */
export function questionsSeen(step: number, perEpoch: number, batchSize: number): number {
  const batches = Math.ceil(perEpoch / batchSize);
  const epochs = Math.floor(step / batches);
  return epochs * perEpoch + Math.min((step % batches) * batchSize, perEpoch);
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
  const totalSteps = Math.min(
    config.max_iterations ?? Number.POSITIVE_INFINITY,
    Math.max(
      1,
      Math.floor((config.max_epochs * Math.ceil(perEpoch / config.batch_size)) / config.batch_multiplier),
    ),
  );
  return { config, perEpoch, steps, totalSteps, completed: steps >= totalSteps };
}
