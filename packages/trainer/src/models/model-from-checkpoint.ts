import type { Checkpoint, NamedArray } from '@mmnet/core-tensors';
import type { Vocab } from '@mmnet/programs';
import { type TrainConfig, trainConfigSchema } from '../config/train-config.js';
import { createModel } from './create-model.js';
import type { ModelAdapter } from './model-adapter.js';
import type { ModelRegistry } from './registry.js';

// Rebuilding a model from a checkpoint already in memory: no file access, so a web page does it too.

/** The train config recorded in a checkpoint. */
export function checkpointConfig(checkpoint: Checkpoint, file: string): TrainConfig {
  const parsed = trainConfigSchema.safeParse(checkpoint.metadata.config);
  if (!parsed.success) throw new Error(`${file}: metadata.config is missing or not a train config`);
  return parsed.data;
}

/**
 * Rebuilds the model of a checkpoint (named `file` in errors) and loads its parameters (optimiser state is
 * ignored); every parameter of the model must be in the checkpoint with its shape.
 */
export async function modelFromCheckpoint(
  file: string,
  checkpoint: Checkpoint,
  vocab: Vocab,
  featureShape: [number, number, number],
  registry: ModelRegistry,
): Promise<{ model: ModelAdapter; config: TrainConfig }> {
  const config = checkpointConfig(checkpoint, file);
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
