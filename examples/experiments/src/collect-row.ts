import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { JsonlMetrics } from '@mmnet/trainer';
import type { ExperimentRecord } from './experiment-record.js';
import type { Experiment } from './plan.js';
import type { ResultRow } from './results.js';
import { experimentDir, stageDir, stageStateFile } from './run-experiment.js';
import { questionsSeen, runProgress } from './run-progress.js';
import type { SplitEvaluation } from './split-evaluation.js';
import { readStageState } from './stage-state.js';

export const evaluationFile = (runsDir: string, e: Experiment, split: string) =>
  join(experimentDir(runsDir, e), `eval-${split}.json`);

/**
 * The results row of a trained and evaluated experiment, from its run folders: `evaluation` on the final split,
 * `valEvaluation` of the same checkpoint on the whole val split (null when not made).
 */
export function collectRow(
  e: Experiment,
  runsDir: string,
  evaluation: SplitEvaluation,
  valEvaluation: SplitEvaluation | null,
  trainQuestions: number,
  record: ExperimentRecord,
): ResultRow {
  const last = e.stages.at(-1)!;
  const { config, steps, completed } = runProgress(stageDir(runsDir, e, last), trainQuestions);
  // The stages that learn from answers (not the generator's programs stage), one after the other; the last of
  // them is the evaluated one, whose last training record gives the throughput.
  const curve: { questions: number; accuracy: number }[] = [];
  let seen = 0;
  let lastTrain: Record<string, unknown> | undefined;
  for (const stage of e.stages.filter((s) => s.args.train_mode !== 'PG')) {
    const stageRun = stageDir(runsDir, e, stage);
    if (!existsSync(join(stageRun, 'metrics.jsonl'))) continue;
    const progress = runProgress(stageRun, trainQuestions);
    const { batch_size, batch_multiplier } = progress.config;
    const at = (step: number) => seen + questionsSeen(step, progress.perEpoch, batch_size, batch_multiplier);
    const records = new JsonlMetrics(join(stageRun, 'metrics.jsonl')).read();
    for (const r of records)
      if (r.kind === 'val' && typeof r.accuracy === 'number')
        curve.push({ questions: at(r.step), accuracy: r.accuracy });
    if (stage === last) lastTrain = records.filter((r) => r.kind === 'train').at(-1);
    seen = at(progress.steps);
  }
  const minutes = e.stages.reduce((sum, s) => sum + readStageState(stageStateFile(runsDir, e, s)).minutes, 0);
  const programsStage = e.stages.find((s) => s.name === 'programs');
  let programStageExactMatch: number | null | undefined;
  if (programsStage) {
    const file = join(stageDir(runsDir, e, programsStage), 'metrics.jsonl');
    const val = existsSync(file)
      ? new JsonlMetrics(file)
          .read()
          .filter((r) => r.kind === 'val')
          .at(-1)
      : undefined;
    programStageExactMatch = typeof val?.program_exact_match === 'number' ? val.program_exact_match : null;
  }
  return {
    id: e.id,
    group: e.group,
    label: e.label,
    model: e.model,
    decoderMode: e.decoderMode,
    curriculum: e.curriculum,
    supervisionFraction: e.supervisionFraction,
    ...(e.seedOf ? { seedOf: e.seedOf } : {}),
    accuracy: evaluation.accuracy,
    valAccuracy: valEvaluation?.checkpoint === evaluation.checkpoint ? valEvaluation.accuracy : null,
    perFamily: evaluation.perFamily,
    programExactMatch: evaluation.programExactMatch,
    evaluatedQuestions: evaluation.questions,
    checkpoint: evaluation.checkpoint,
    trainingMinutes: minutes,
    budgetHours: record.budgetHours,
    questionsSeen: seen,
    questionsPerSecond:
      typeof lastTrain?.questions_per_second === 'number' ? lastTrain.questions_per_second : 0,
    backend: evaluation.backend,
    steps,
    completed,
    seed: config.seed,
    command: record.command,
    commit: record.commit ?? null,
    curve,
    programStageExactMatch,
  };
}
