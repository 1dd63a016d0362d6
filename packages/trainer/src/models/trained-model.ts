import { join } from 'node:path';
import { type Checkpoint, loadCheckpoint, type NamedArray } from '@mmnet/core-tensors';
import type { Vocab } from '@mmnet/programs';
import { RunDirectory } from '../checkpoint/run-directory.js';
import { type TrainConfig, trainConfigSchema } from '../config/train-config.js';
import { vocabHash } from '../data/vocab-file.js';
import { createModel } from './create-model.js';
import type { ModelAdapter } from './model-adapter.js';
import type { ModelRegistry } from './registry.js';

/** A checkpoint file given directly, or the best (else latest) checkpoint of a run folder. */
export function resolveCheckpoint(source: { run?: string; checkpoint?: string }): {
  file: string;
  checkpoint: Checkpoint;
} {
  if (source.checkpoint) return { file: source.checkpoint, checkpoint: loadCheckpoint(source.checkpoint) };
  if (!source.run) throw new Error('give --run DIR or --checkpoint FILE');
  const dir = new RunDirectory(source.run);
  const manifest = dir.readManifest();
  const rel = manifest.best ?? manifest.latest;
  return { file: join(source.run, rel), checkpoint: dir.loadCheckpoint(rel) };
}

/** The train config recorded in a checkpoint. */
export function checkpointConfig(checkpoint: Checkpoint, file: string): TrainConfig {
  const parsed = trainConfigSchema.safeParse(checkpoint.metadata.config);
  if (!parsed.success) throw new Error(`${file}: metadata.config is missing or not a train config`);
  return parsed.data;
}

/** Rebuilds the model of a checkpoint and loads its parameters (optimiser state is ignored). */
export async function loadTrainedModel(
  file: string,
  checkpoint: Checkpoint,
  vocab: Vocab,
  featureShape: [number, number, number],
  registry: ModelRegistry,
): Promise<{ model: ModelAdapter; config: TrainConfig }> {
  const config = checkpointConfig(checkpoint, file);
  if (checkpoint.metadata.vocab_hash !== undefined && checkpoint.metadata.vocab_hash !== vocabHash(vocab)) {
    throw new Error(`${file}: trained with another vocabulary than the dataset's vocab.json`);
  }
  const model = await createModel(config, vocab, featureShape, registry);
  const params: Record<string, NamedArray> = {};
  for (const [name, value] of Object.entries(checkpoint.tensors))
    if (!name.startsWith('optim/')) params[name] = value;
  try {
    model.store.assign(params, { strict: true, source: file });
  } catch (error) {
    model.dispose();
    throw error;
  }
  if (checkpoint.metadata.model_state && model.setState) {
    model.setState(checkpoint.metadata.model_state as Record<string, unknown>);
  }
  return { model, config };
}
