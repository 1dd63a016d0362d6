import { initBackend } from '@mmnet/core-tensors';
import { z } from 'zod';
import { BACKENDS } from '../../config/train-config.js';
import { checkDatasetFiles, type DatasetFiles, datasetFiles } from '../../data/dataset-files.js';
import { readVocabFile } from '../../data/vocab-file.js';
import type { ModelAdapter } from '../../models/model-adapter.js';
import type { ModelRegistry } from '../../models/registry.js';
import { checkpointConfig, loadTrainedModel, resolveCheckpoint } from '../../models/trained-model.js';
import type { CheckpointWithVocab } from '../../training/evaluate-checkpoint.js';
import type { CliIo } from '../io.js';
import { type CommandHelp, type OptionSpec, parseCommandLine } from '../options.js';

/** The options that name a trained model (eval and predict share them). */
export const RUN_OPTION: OptionSpec = {
  flag: '--run',
  key: 'run',
  value: 'DIR',
  kind: 'string',
  description: 'run folder of mmnet train (its best checkpoint)',
};

export const CHECKPOINT_OPTION: OptionSpec = {
  flag: '--checkpoint',
  key: 'checkpoint',
  value: 'FILE',
  kind: 'string',
  description: 'a checkpoint file (instead of --run)',
};

/** --clevr_dataset of a trained model: by default the dataset it was trained on; `use` says what it gives. */
export function trainedDatasetOption(use: string): OptionSpec {
  return {
    flag: '--clevr_dataset',
    key: 'clevr_dataset',
    value: 'DIR',
    kind: 'string',
    description: `dataset folder${use}`,
    defaultText: 'the one the model was trained on',
  };
}

/** --run, --checkpoint and --clevr_dataset, in that order (`use`: what the dataset gives the command). */
export function trainedRunOptions(use: string): OptionSpec[] {
  return [RUN_OPTION, CHECKPOINT_OPTION, trainedDatasetOption(use)];
}

/** zod fields of those options (plus --clevr_dataset). */
const trainedRunFields = {
  run: z.string().min(1).optional(),
  checkpoint: z.string().min(1).optional(),
  clevr_dataset: z.string().min(1).optional(),
  backend: z.enum(BACKENDS, { error: `must be one of ${BACKENDS.join(', ')}` }).optional(),
};

/** The options of `trainedRunFields` as parsed. */
type TrainedRunOptions = z.output<z.ZodObject<typeof trainedRunFields>>;

/**
 * The options schema of a command on a trained run: its own `fields` besides those of --run, --checkpoint,
 * --clevr_dataset and --backend, no unknown key, and a model from exactly one of --run and --checkpoint.
 */
export function trainedRunSchema<F extends z.ZodRawShape>(fields: F) {
  return z
    .object({ ...trainedRunFields, ...fields })
    .strict()
    .refine(
      (c) => {
        // zod's types cannot see through the generic `fields` that these keys are there; they always are.
        const { run, checkpoint } = c as TrainedRunOptions;
        return (run === undefined) !== (checkpoint === undefined);
      },
      { message: 'give exactly one of --run DIR and --checkpoint FILE', path: ['run'] },
    );
}

/** A trained run as eval and predict open it: its checkpoint, dataset files and vocabulary, and its model. */
export interface OpenedTrainedRun extends CheckpointWithVocab {
  files: DatasetFiles;
  /** Rebuilds the checkpoint's model for features of shape [H, W, C] and loads its parameters. */
  loadModel(featureShape: [number, number, number]): Promise<ModelAdapter>;
}

/** A command that works on a trained run: its options, their schema, its help and the dataset parts it reads. */
export interface TrainedRunCommand<S extends z.ZodType<TrainedRunOptions>> {
  specs: readonly OptionSpec[];
  schema: S;
  help: CommandHelp;
  /** Dataset parts checked for their files besides vocab.json (none: only vocab.json). */
  parts: (opts: z.output<S>) => ('train' | 'val')[];
}

/**
 * What eval and predict do first: parses the command line (`null` after printing --help), starts the tfjs
 * backend, loads the checkpoint named by --run or --checkpoint, finds the dataset folder (--clevr_dataset, else
 * the one it was trained on), checks its files and reads its vocabulary.
 */
export async function openTrainedRun<S extends z.ZodType<TrainedRunOptions>>(
  argv: string[],
  io: CliIo,
  registry: ModelRegistry,
  command: TrainedRunCommand<S>,
): Promise<{ opts: z.output<S>; run: OpenedTrainedRun } | null> {
  const opts = parseCommandLine(argv, command.specs, command.schema, command.help, (text) => io.out(text));
  if (!opts) return null;
  await initBackend({ prefer: opts.backend, log: (line) => io.err(line) });
  const { file, checkpoint } = resolveCheckpoint(opts);
  const trainedOn = checkpointConfig(checkpoint, file);
  const files = datasetFiles(opts.clevr_dataset ?? trainedOn.clevr_dataset);
  checkDatasetFiles(files, command.parts(opts));
  const vocab = readVocabFile(files.vocab);
  const loadModel = async (featureShape: [number, number, number]) =>
    (await loadTrainedModel(file, checkpoint, vocab, featureShape, registry)).model;
  return { opts, run: { file, checkpoint, files, vocab, loadModel } };
}
