import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Checkpoint } from '@mmnet/core-tensors';
import { builtinWeightsFromBytes } from './builtin-weights.js';
import type { BuiltinWeightsMetadata } from './weights-metadata.js';

/** The file name of the committed weights, in the package's `weights/` folder. */
export const BUILTIN_WEIGHTS_FILENAME = 'builtin-extractor.safetensors';
/** This module's folder in ESM (import.meta.url) and in the CommonJS build (where tsup leaves it empty). */
function moduleDir(): string {
  try {
    return dirname(fileURLToPath(import.meta.url));
  } catch {
    return __dirname;
  }
}

/**
 * The package's `weights/` folder, found by walking up from this module: `src/builtin-extractor/` in the
 * sources (tests, tsx), `dist/` after the build and when installed from npm (package.json `files` has it).
 */
export function packageWeightsDir(): string {
  const start = moduleDir();
  let dir = start;
  for (let up = 0; up < 4; up++) {
    const candidate = join(dir, 'weights');
    if (existsSync(join(candidate, BUILTIN_WEIGHTS_FILENAME))) return candidate;
    if (existsSync(join(dir, 'package.json'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`cannot find the weights/ folder of @mmnet/clevr-synth above ${start}`);
}

/** Path of the committed weights of the built-in extractor. */
export function defaultBuiltinWeightsPath(): string {
  return join(packageWeightsDir(), BUILTIN_WEIGHTS_FILENAME);
}

/** Reads a weights file and checks its metadata; errors name the file and field. */
export function readBuiltinWeights(path: string): {
  checkpoint: Checkpoint;
  metadata: BuiltinWeightsMetadata;
} {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new Error(
      `${path}: cannot read weights (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  return builtinWeightsFromBytes(bytes, path);
}
