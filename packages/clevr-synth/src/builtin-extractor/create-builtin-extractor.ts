import { readFileSync } from 'node:fs';
import {
  type BuiltinExtractorFromBytes,
  builtinExtractorFromBytes,
  builtinExtractorNameOf,
} from './builtin-weights.js';
import { defaultBuiltinWeightsPath } from './weights-file.js';

export interface BuiltinExtractor extends BuiltinExtractorFromBytes {
  weightsPath: string;
}

function readWeights(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(
      `${path}: cannot read weights (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
}

/**
 * The name feature files record for the built-in CNN with these weights (default: the committed ones),
 * `builtin-v1-<hash of the file>`, known without loading the network (e.g. to tell which features a results
 * file's rows were measured on).
 */
export function builtinExtractorName(weightsPath: string = defaultBuiltinWeightsPath()): string {
  return builtinExtractorNameOf(readWeights(weightsPath));
}

/**
 * The project's own CNN as a `FeatureExtractor`: loads the committed weights (or `weightsPath`) and maps
 * images [B, H, W, 3] in [0, 1] to [B, 14, 14, 34] features (for the default weights): per cell, the
 * probability of an object with each colour (8), shape (3), material (2) and size (2) value and of the
 * ground (the label maps' 16 channels), 16 embedding channels scaled to about unit size, and the cell's x and y in [-1, 1]. Images of another size
 * than the network's input (224x224) are resized bilinearly first; give 224x224 to avoid a second resize.
 */
export async function createBuiltinExtractor(
  input?: { height: number; width: number },
  options: { weightsPath?: string } = {},
): Promise<BuiltinExtractor> {
  const weightsPath = options.weightsPath ?? defaultBuiltinWeightsPath();
  return { ...builtinExtractorFromBytes(readWeights(weightsPath), input, weightsPath), weightsPath };
}
