import { join } from 'node:path';
import { type Checkpoint, loadCheckpoint } from '@mmnet/core-tensors';
import { RunDirectory } from '../checkpoint/run-directory.js';
import { vocabHash } from '../data/vocab-file.js';
import { modelFromCheckpoint } from './model-from-checkpoint.js';

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

/**
 * `modelFromCheckpoint` (same arguments), first checking that the checkpoint was trained with `vocab` (the
 * vocabulary hash in its metadata).
 */
export async function loadTrainedModel(
  ...args: Parameters<typeof modelFromCheckpoint>
): ReturnType<typeof modelFromCheckpoint> {
  const [file, checkpoint, vocab] = args;
  if (checkpoint.metadata.vocab_hash !== undefined && checkpoint.metadata.vocab_hash !== vocabHash(vocab)) {
    throw new Error(`${file}: trained with another vocabulary than the dataset's vocab.json`);
  }
  return modelFromCheckpoint(...args);
}
