import { join } from 'node:path';
import { type Checkpoint, loadCheckpoint } from '@mmnet/core-tensors';
import type { Vocab } from '@mmnet/programs';
import { RunDirectory } from '../checkpoint/run-directory.js';
import type { TrainConfig } from '../config/train-config.js';
import { vocabHash } from '../data/vocab-file.js';
import type { ModelAdapter } from './model-adapter.js';
import { checkpointConfig, modelFromCheckpoint } from './model-from-checkpoint.js';
import type { ModelRegistry } from './registry.js';

export { checkpointConfig };

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

/** Rebuilds the model of a checkpoint and loads its parameters (optimiser state is ignored). */
export async function loadTrainedModel(
  file: string,
  checkpoint: Checkpoint,
  vocab: Vocab,
  featureShape: [number, number, number],
  registry: ModelRegistry,
): Promise<{ model: ModelAdapter; config: TrainConfig }> {
  if (checkpoint.metadata.vocab_hash !== undefined && checkpoint.metadata.vocab_hash !== vocabHash(vocab)) {
    throw new Error(`${file}: trained with another vocabulary than the dataset's vocab.json`);
  }
  return modelFromCheckpoint(file, checkpoint, vocab, featureShape, registry);
}
