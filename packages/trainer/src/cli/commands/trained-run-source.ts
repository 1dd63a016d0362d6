import { z } from 'zod';
import { BACKENDS } from '../../config/train-config.js';
import { type DatasetFiles, datasetFiles } from '../../data/dataset-files.js';
import { checkpointConfig, resolveCheckpoint } from '../../models/trained-model.js';
import type { OptionSpec } from '../options.js';

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

export const BACKEND_OPTION: OptionSpec = {
  flag: '--backend',
  key: 'backend',
  value: 'NAME',
  kind: 'string',
  description: `tfjs backend: ${BACKENDS.join('|')}`,
  defaultText: 'fastest available',
};

/** zod fields of those options (plus --clevr_dataset). */
export const trainedRunFields = {
  run: z.string().min(1).optional(),
  checkpoint: z.string().min(1).optional(),
  clevr_dataset: z.string().min(1).optional(),
  backend: z.enum(BACKENDS, { error: `must be one of ${BACKENDS.join(', ')}` }).optional(),
};

/** The refinement both commands apply: a model comes from exactly one of --run and --checkpoint. */
export const exactlyOneRunSource: [
  (c: { run?: string; checkpoint?: string }) => boolean,
  { message: string; path: string[] },
] = [
  (c) => (c.run === undefined) !== (c.checkpoint === undefined),
  { message: 'give exactly one of --run DIR and --checkpoint FILE', path: ['run'] },
];

/** Loads the checkpoint a command names and finds the dataset folder (given, or the one it was trained on). */
export function openTrainedRun(source: { run?: string; checkpoint?: string; clevr_dataset?: string }) {
  const { file, checkpoint } = resolveCheckpoint(source);
  const trainedOn = checkpointConfig(checkpoint, file);
  const files: DatasetFiles = datasetFiles(source.clevr_dataset ?? trainedOn.clevr_dataset);
  return { file, checkpoint, files };
}
