import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../files/atomic-write.js';
import type { ParameterStore } from '../params/parameter-store.js';
import { type Checkpoint, type CheckpointMetadata, parseCheckpoint } from './checkpoint-data.js';
import { decodeSafetensors, encodeSafetensors, type TensorData } from './safetensors-format.js';

/** Saves named float32 arrays (and extra tensors such as optimiser moments) with JSON metadata, atomically. */
export function saveCheckpoint(
  path: string,
  tensors: Record<string, { shape: number[]; data: TensorData }>,
  metadata: CheckpointMetadata = {},
): void {
  const encodedMeta: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) encodedMeta[k] = JSON.stringify(v);
  writeFileAtomic(path, encodeSafetensors(tensors, encodedMeta));
}

/** Saves every parameter of a store. */
export function saveParameters(path: string, store: ParameterStore, metadata: CheckpointMetadata = {}): void {
  saveCheckpoint(path, store.snapshot(), metadata);
}

/** Reads a checkpoint file; errors name the file. */
export function loadCheckpoint(path: string): Checkpoint {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new Error(
      `${path}: cannot read checkpoint (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  return parseCheckpoint(decodeSafetensors(bytes, path));
}
