/** The Node entry of @mmnet/trainer: the browser entry plus the CLI, files, training, conversion and reports. */
export * from './browser.js';
export { RunDirectory, type RunManifest } from './checkpoint/run-directory.js';
export { parseTrainArgs, TRAIN_HELP } from './cli/commands/train.js';
export { type CliIo, processIo } from './cli/io.js';
export { runCli } from './cli/main.js';
export * from './config/model-settings.js';
export { type ConvertedModel, convertClevrIepCheckpoint } from './convert/clevr-iep.js';
export { convertReferenceStateDict, referenceModelKind } from './convert/reference.js';
export * from './data/answer-kinds.js';
export * from './data/dataset-files.js';
export * from './data/feature-source.js';
export * from './data/program-supervision.js';
export * from './data/question-encoding.js';
export * from './data/question-families.js';
export * from './data/vocab-file.js';
export * from './metrics/crc32c.js';
export * from './metrics/jsonl.js';
export * from './metrics/progress.js';
export * from './metrics/tensorboard.js';
export { loadTrainedModel, resolveCheckpoint } from './models/trained-model.js';
export {
  type RecipeStage,
  recipeStageDir,
  SELF_TRAINING_MIN_LOG_PROB,
  stageBudgetMinutes,
  weakSupervisionStages,
} from './recipes/weak-supervision.js';
export { chartSvg, compileChart } from './report/chart-svg.js';
export { buildReportHtml, type ReportData } from './report/html-report.js';
export { type LineChartInput, lineChartSchema, lineChartSpec } from './report/line-chart.js';
export { TrainingDivergedError } from './training/errors.js';
export { type EvalResult, evaluate, type SampleRecord } from './training/evaluate.js';
export {
  type CheckpointWithVocab,
  type EvalSplit,
  evaluateCheckpoint,
} from './training/evaluate-checkpoint.js';
export { GroupOptimizer } from './training/group-optimizer.js';
export { totalIterations } from './training/train-position.js';
export { Trainer, type TrainerSetup } from './training/trainer.js';
export { type RunSummary, TrainingRun } from './training/training-run.js';
