import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Checkpoint, loadCheckpoint } from '@mmnet/core-tensors';
import { z } from 'zod';
import { formatZodError } from '../formats/zod-error.js';
import { builtinCnnConfigSchema } from './architecture.js';

/** The file name of the committed weights, in the package's `weights/` folder. */
export const BUILTIN_WEIGHTS_FILENAME = 'builtin-extractor.safetensors';
/** `format` metadata of a weights file of the built-in extractor. */
export const BUILTIN_WEIGHTS_FORMAT = 'mmnet-builtin-extractor-v1';

/** The metadata a weights file must carry (JSON values in the safetensors `__metadata__`). */
export const builtinWeightsMetadataSchema = z.object({
  format: z.literal(BUILTIN_WEIGHTS_FORMAT),
  config: builtinCnnConfigSchema,
  /** Per-channel scale the embedding is divided by in the features (its RMS on held-out scenes). */
  embeddingScale: z.array(z.number().positive()),
  trainingSeed: z.number().int().optional(),
  /** Per-attribute cell accuracy on held-out rendered scenes (see PretextAccuracy). */
  pretextAccuracy: z.record(z.string(), z.number()).optional(),
  training: z.record(z.string(), z.unknown()).optional(),
});
export type BuiltinWeightsMetadata = z.output<typeof builtinWeightsMetadataSchema>;

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
  throw new Error(`cannot find the weights/ folder of @mmnet/clevr-data above ${start}`);
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
  const checkpoint = loadCheckpoint(path);
  const parsed = builtinWeightsMetadataSchema.safeParse(checkpoint.metadata);
  if (!parsed.success) {
    throw new Error(`${path}: not built-in extractor weights: metadata ${formatZodError(parsed.error)}`);
  }
  const metadata = parsed.data;
  if (metadata.embeddingScale.length !== metadata.config.embeddingChannels) {
    throw new Error(
      `${path}: metadata embeddingScale has ${metadata.embeddingScale.length} values for ${metadata.config.embeddingChannels} embedding channels`,
    );
  }
  return { checkpoint, metadata };
}
