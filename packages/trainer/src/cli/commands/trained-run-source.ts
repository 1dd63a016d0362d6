import {
  backendFlag,
  type CommandHelp,
  type FlagsSchema,
  initBackend,
  parseCommandLine,
} from '@mmnet/core-tensors';
import { z } from 'zod';
import {
  checkDatasetFiles,
  type DatasetFiles,
  type DatasetSplit,
  datasetFiles,
} from '../../data/dataset-files.js';
import { readVocabFile } from '../../data/vocab-file.js';
import type { ModelAdapter } from '../../models/model-adapter.js';
import { checkpointConfig } from '../../models/model-from-checkpoint.js';
import type { ModelRegistry } from '../../models/registry.js';
import { loadTrainedModel, resolveCheckpoint } from '../../models/trained-model.js';
import type { CheckpointWithVocab } from '../../training/evaluate-checkpoint.js';
import type { CliIo } from '../io.js';

/** The flags that name a trained model (eval and predict share them); `use`: what the dataset gives the command. */
function trainedRunFields(use: string) {
  return {
    run: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'run folder of mmnet train (its best checkpoint)', value: 'DIR' }),
    checkpoint: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'a checkpoint file (instead of --run)', value: 'FILE' }),
    clevr_dataset: z
      .string()
      .min(1)
      .optional()
      .meta({
        description: `dataset folder${use}`,
        value: 'DIR',
        default: 'the one the model was trained on',
      }),
    backend: backendFlag(),
  };
}

/** The flags of `trainedRunFields` as parsed. */
type TrainedRunOptions = z.output<z.ZodObject<ReturnType<typeof trainedRunFields>>>;

/**
 * The flags schema of a command on a trained run: --run, --checkpoint, --clevr_dataset (`use`: what the dataset
 * gives the command), `fields`, --backend; a model from exactly one of --run and --checkpoint.
 */
export function trainedRunSchema<F extends z.ZodRawShape>(use: string, fields: F) {
  const { backend, ...named } = trainedRunFields(use);
  return z
    .object({ ...named, ...fields, backend })
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
export interface TrainedRunCommand<S extends FlagsSchema> {
  schema: S;
  help: CommandHelp;
  /** Dataset parts checked for their files besides vocab.json (none: only vocab.json). */
  parts: (opts: z.output<S>) => DatasetSplit[];
}

/**
 * What eval and predict do first: parses the command line (`null` after printing --help), starts the tfjs
 * backend, loads the checkpoint named by --run or --checkpoint, finds the dataset folder (--clevr_dataset, else
 * the one it was trained on), checks its files and reads its vocabulary.
 */
export async function openTrainedRun<S extends FlagsSchema>(
  argv: string[],
  io: CliIo,
  registry: ModelRegistry,
  command: TrainedRunCommand<S>,
): Promise<{ opts: z.output<S>; run: OpenedTrainedRun } | null> {
  const parsed = parseCommandLine(argv, command.schema, command.help, io.out);
  if (!parsed) return null;
  const opts = parsed as z.output<S> & TrainedRunOptions;
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
