import {
  type Checkpoint,
  flagSpecs,
  formatIssues,
  helpText,
  initBackend,
  prepareOutputFile,
  readFlags,
  UsageError,
  wantsHelp,
} from '@mmnet/core-tensors';
import { RunDirectory } from '../../checkpoint/run-directory.js';
import {
  RESUME_OVERRIDABLE,
  type TrainConfig,
  trainConfigSchema,
  trainFlagsSchema,
} from '../../config/train-config.js';
import { createProgress } from '../../metrics/progress.js';
import type { ModelRegistry } from '../../models/registry.js';
import {
  loadPrevious,
  recipeStageDir,
  stageBudgetMinutes,
  weakSupervisionStages,
} from '../../recipes/weak-supervision.js';
import { Trainer, type TrainerSetup } from '../../training/trainer.js';
import { TrainingRun } from '../../training/training-run.js';
import { readConfigFile } from '../config-file.js';
import type { CliIo } from '../io.js';

export const TRAIN_HELP = () =>
  helpText(
    'mmnet train [flags]',
    'Trains a model on a preprocessed CLEVR dataset folder; writes checkpoints, metrics.jsonl, TensorBoard events and report.html to --out.',
    trainFlagsSchema,
  );

/** Parses and validates the command line of `mmnet train` into a config (UsageError on any mistake). */
export function parseTrainArgs(
  argv: string[],
  registry: ModelRegistry,
):
  | { help: true }
  | { help: false; config: TrainConfig; resume?: undefined }
  | { help: false; resume: string; overrides: Record<string, unknown> } {
  if (wantsHelp(argv)) return { help: true };
  const { values } = readFlags(argv, trainFlagsSchema);
  if (typeof values.resume === 'string') {
    const extra = Object.keys(values).filter(
      (k) => k !== 'resume' && !(RESUME_OVERRIDABLE as readonly string[]).includes(k),
    );
    if (extra.length) {
      const flagOf = new Map(flagSpecs(trainFlagsSchema).map((f) => [f.key, f.flag]));
      throw new UsageError(
        `--resume continues a run with its own config; ${extra.map((k) => flagOf.get(k)).join(', ')} cannot be changed (only --max-epochs, --max_iterations, --max_minutes, --backend)`,
      );
    }
    const { resume, ...overrides } = values;
    return { help: false, resume, overrides };
  }
  const fromFile = typeof values.config === 'string' ? readConfigFile(values.config) : {};
  const { config: _file, ...flags } = values;
  const merged: Record<string, unknown> = { ...fromFile, ...flags };
  const parsed = trainConfigSchema.safeParse(merged);
  const problems = parsed.success ? [] : formatIssues(parsed.error, trainFlagsSchema);
  const model = parsed.success ? parsed.data.model : String(merged.model ?? 'SAN');
  if (!registry.has(model))
    problems.push(`--model: unknown model "${model}" (models: ${registry.names().join(', ')})`);
  if (problems.length) throw new UsageError(problems.join('\n'));
  return { help: false, config: parsed.data! };
}

export async function trainCommand(argv: string[], io: CliIo, registry: ModelRegistry): Promise<number> {
  const args = parseTrainArgs(argv, registry);
  if (args.help) {
    io.out(TRAIN_HELP());
    return 0;
  }
  if (args.resume !== undefined) {
    const resumed = resumedRun(args.resume, args.overrides, io);
    return await trainRun(resumed.config, resumed.setup, io, registry);
  }
  if (args.config.recipe) return await trainRecipe(args.config, io, registry);
  if (new RunDirectory(args.config.out).hasManifest()) {
    throw new UsageError(
      `--out ${args.config.out}: already holds a run (continue it with --resume ${args.config.out}, or choose another --out)`,
    );
  }
  return await trainRun(args.config, {}, io, registry);
}

type ResumeSetup = Pick<TrainerSetup, 'resumeFrom' | 'resumeSource'>;

/** The config of a run folder's latest checkpoint, with the overrides a resume may change. */
function resumedRun(
  runDir: string,
  overrides: Record<string, unknown>,
  io: CliIo,
): { config: TrainConfig; setup: ResumeSetup } {
  const dir = new RunDirectory(runDir);
  const { checkpoint, relativePath } = dir.loadResumeCheckpoint((line) => io.err(line));
  const stored = trainConfigSchema.safeParse(checkpoint.metadata.config);
  if (!stored.success)
    throw new Error(`${dir.path(relativePath)}: metadata.config is not a valid train config`);
  const merged = trainConfigSchema.safeParse({ ...stored.data, ...overrides });
  if (!merged.success) throw new UsageError(formatIssues(merged.error, trainFlagsSchema).join('\n'));
  return {
    config: { ...merged.data, out: runDir },
    setup: { resumeFrom: checkpoint, resumeSource: dir.path(relativePath) },
  };
}

/** Below this many minutes of its budget left, a started recipe stage is not resumed; a new one gets at least this. */
const MIN_STAGE_MINUTES = 0.05;

/**
 * `--recipe`: each stage is a run in `<--out>/<stage>` with the run's config and the stage's flags. --max_minutes is
 * split by the stages' shares, and what a stage leaves unused passes to the next (`stageBudgetMinutes`). A stage
 * with a run folder is resumed for the minutes its checkpoint has not used yet (a finished one stops at once), so
 * rerunning the same command continues where it stopped and keeps to the recipe's budget.
 */
async function trainRecipe(config: TrainConfig, io: CliIo, registry: ModelRegistry): Promise<number> {
  const stages = weakSupervisionStages(config.program_supervision_fraction ?? 1, config.executor);
  const { recipe: _recipe, program_supervision_fraction: _fraction, ...base } = config;
  const usedBefore: number[] = [];
  for (const [k, stage] of stages.entries()) {
    const dir = recipeStageDir(config.out, stage);
    const budget =
      config.max_minutes === undefined
        ? undefined
        : stageBudgetMinutes(config.max_minutes, stages, k, usedBefore);
    io.err(`${config.recipe} ${k + 1}/${stages.length}: ${stage.name} (${dir})`);
    let code = 0;
    if (new RunDirectory(dir).hasManifest()) {
      const resumed = resumedRun(dir, {}, io);
      const left = budget === undefined ? undefined : budget - trainedMinutes(resumed.setup.resumeFrom!);
      if (left === undefined || left >= MIN_STAGE_MINUTES) {
        const minutes = left === undefined ? {} : { max_minutes: left };
        code = await trainRun({ ...resumed.config, ...minutes }, resumed.setup, io, registry);
      }
    } else {
      const previous = k > 0 && stage.loadPrevious ? recipeStageDir(config.out, stages[k - 1]) : undefined;
      const load = previous && stage.loadPrevious ? loadPrevious(previous, stage.loadPrevious) : {};
      const minutes = budget === undefined ? {} : { max_minutes: Math.max(budget, MIN_STAGE_MINUTES) };
      const parsed = trainConfigSchema.safeParse({ ...base, ...stage.flags, ...minutes, ...load, out: dir });
      if (!parsed.success) throw new UsageError(formatIssues(parsed.error, trainFlagsSchema).join('\n'));
      code = await trainRun(parsed.data, {}, io, registry);
    }
    if (code !== 0) return code;
    if (budget !== undefined)
      usedBefore.push(
        trainedMinutes(new RunDirectory(dir).loadResumeCheckpoint((line) => io.err(line)).checkpoint),
      );
  }
  return 0;
}

/** Training minutes a run's checkpoint has used (its schedule clock), over every process that trained it. */
function trainedMinutes(checkpoint: Checkpoint): number {
  const minutes = checkpoint.metadata.schedule_minutes;
  return typeof minutes === 'number' ? minutes : 0;
}

/** Trains one run (new or resumed) and prints its summary. */
async function trainRun(
  config: TrainConfig,
  trainerSetup: ResumeSetup,
  io: CliIo,
  registry: ModelRegistry,
): Promise<number> {
  const runDir = config.out;
  // Every output path is checked before the (long) work starts.
  if (config.save_model) prepareOutputFile(config.save_model, '--save_model');
  await initBackend({ prefer: config.backend, log: (line) => io.err(line) });
  const trainer = await Trainer.create({ config, registry, ...trainerSetup });
  try {
    const progress = createProgress(io.progressStream);
    const run = new TrainingRun(trainer, runDir, progress, {
      resumed: trainerSetup.resumeFrom !== undefined,
    });
    const summary = await run.run();
    io.out(
      `done: ${summary.steps} iterations${summary.stoppedByTime ? ' (time limit)' : ''}, val accuracy ${summary.finalValAccuracy.toFixed(3)} (best ${summary.bestValAccuracy.toFixed(3)}; answer-type prior ${summary.prior.toFixed(3)}), ${summary.questionsPerSecond.toFixed(1)} questions/s`,
    );
    io.out(`report: ${summary.reportPath}`);
    io.out(`checkpoints: ${run.dir.checkpointDir} (run.json names the latest and the best)`);
    return 0;
  } finally {
    trainer.dispose();
  }
}
