import { initBackend, prepareOutputFile } from '@mmnet/core-tensors';
import { RunDirectory } from '../../checkpoint/run-directory.js';
import {
  RESUME_OVERRIDABLE,
  TRAIN_OPTIONS,
  type TrainConfig,
  trainConfigSchema,
} from '../../config/train-config.js';
import { createProgress } from '../../metrics/progress.js';
import type { ModelRegistry } from '../../models/registry.js';
import { Trainer, type TrainerSetup } from '../../training/trainer.js';
import { TrainingRun } from '../../training/training-run.js';
import { readConfigFile } from '../config-file.js';
import type { CliIo } from '../io.js';
import { formatIssues, helpText, parseArgv, UsageError } from '../options.js';

export const TRAIN_HELP = () =>
  helpText(
    'mmnet train [options]',
    'Trains a model on a preprocessed CLEVR dataset folder; writes checkpoints, metrics.jsonl, TensorBoard events and report.html to --out.',
    TRAIN_OPTIONS,
  );

/** Parses and validates the command line of `mmnet train` into a config (UsageError on any mistake). */
export function parseTrainArgs(
  argv: string[],
  registry: ModelRegistry,
):
  | { help: true }
  | { help: false; config: TrainConfig; resume?: undefined }
  | { help: false; resume: string; overrides: Record<string, unknown> } {
  const raw = parseArgv(argv, TRAIN_OPTIONS);
  if (raw.help) return { help: true };
  if (typeof raw.resume === 'string') {
    const extra = Object.keys(raw).filter(
      (k) => k !== 'resume' && !(RESUME_OVERRIDABLE as readonly string[]).includes(k),
    );
    if (extra.length) {
      const flags = extra.map((k) => TRAIN_OPTIONS.find((o) => o.key === k)?.flag ?? k);
      throw new UsageError(
        `--resume continues a run with its own config; ${flags.join(', ')} cannot be changed (only --max-epochs, --max_iterations, --max_minutes, --backend)`,
      );
    }
    const { resume, ...overrides } = raw;
    return { help: false, resume, overrides };
  }
  const fromFile = typeof raw.config === 'string' ? readConfigFile(raw.config) : {};
  const { config: _file, ...flags } = raw;
  const merged: Record<string, unknown> = { ...fromFile, ...flags };
  const parsed = trainConfigSchema.safeParse(merged);
  const problems = parsed.success ? [] : formatIssues(parsed.error, TRAIN_OPTIONS);
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
  let config: TrainConfig;
  let trainerSetup: Pick<TrainerSetup, 'resumeFrom' | 'resumeSource'>;
  let runDir: string;
  const resumed = args.resume !== undefined;
  if (args.resume !== undefined) {
    const dir = new RunDirectory(args.resume);
    const { checkpoint, relativePath } = dir.loadResumeCheckpoint((line) => io.err(line));
    const stored = trainConfigSchema.safeParse(checkpoint.metadata.config);
    if (!stored.success)
      throw new Error(`${dir.path(relativePath)}: metadata.config is not a valid train config`);
    const overrides = trainConfigSchema.safeParse({ ...stored.data, ...args.overrides });
    if (!overrides.success) throw new UsageError(formatIssues(overrides.error, TRAIN_OPTIONS).join('\n'));
    config = { ...overrides.data, out: args.resume };
    trainerSetup = { resumeFrom: checkpoint, resumeSource: dir.path(relativePath) };
    runDir = args.resume;
  } else {
    config = args.config;
    runDir = config.out;
    if (new RunDirectory(runDir).hasManifest()) {
      throw new UsageError(
        `--out ${runDir}: already holds a run (continue it with --resume ${runDir}, or choose another --out)`,
      );
    }
    trainerSetup = {};
  }
  // Every output path is checked before the (long) work starts.
  if (config.save_model) prepareOutputFile(config.save_model, '--save_model');
  await initBackend({ prefer: config.backend, log: (line) => io.err(line) });
  const trainer = await Trainer.create({ config, registry, ...trainerSetup });
  try {
    const progress = createProgress(io.progressStream);
    const run = new TrainingRun(trainer, runDir, progress, { resumed });
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
