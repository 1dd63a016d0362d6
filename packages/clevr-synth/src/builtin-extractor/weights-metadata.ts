import { z } from 'zod';
import { builtinCnnConfigSchema } from './architecture.js';

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
