import { readFileSync } from 'node:fs';
import { createRng, loadParametersInto, ParameterStore, tf } from '@mmnet/core-tensors';
import type { FeatureExtractor } from '../features/feature-extractor.js';
import { BuiltinCnn, builtinCnnGrid } from './architecture.js';
import { builtinFeatureChannels, builtinFeatures } from './feature-map.js';
import {
  type BuiltinWeightsMetadata,
  defaultBuiltinWeightsPath,
  readBuiltinWeights,
} from './weights-file.js';

export interface BuiltinExtractor extends FeatureExtractor {
  /** The weights file's metadata (architecture, training seed, pretext accuracies). */
  metadata: BuiltinWeightsMetadata;
  /** Name of each output channel: 16 attribute probabilities, the embedding, x, y. */
  channels: string[];
  weightsPath: string;
  dispose(): void;
}

/** FNV-1a of the weights file, so that feature files record which weights made them. */
function shortHash(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * The name feature files record for the built-in CNN with these weights (default: the committed ones),
 * `builtin-v1-<hash of the file>`, known without loading the network (e.g. to tell which features a results
 * file's rows were measured on).
 */
export function builtinExtractorName(weightsPath: string = defaultBuiltinWeightsPath()): string {
  return `builtin-v1-${shortHash(readFileSync(weightsPath))}`;
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
  const { checkpoint, metadata } = readBuiltinWeights(weightsPath);
  const config = metadata.config;
  const store = new ParameterStore(createRng(0));
  const net = new BuiltinCnn(store.scope('cnn'), config);
  try {
    loadParametersInto(store, checkpoint, weightsPath);
  } catch (err) {
    store.dispose();
    throw err;
  }
  const grid = builtinCnnGrid(config);
  const scale = Float32Array.from(metadata.embeddingScale);
  const channels = builtinFeatureChannels(config.embeddingChannels);
  const inH = input?.height ?? config.inputHeight;
  const inW = input?.width ?? config.inputWidth;
  const resize = inH !== config.inputHeight || inW !== config.inputWidth;
  return {
    name: builtinExtractorName(weightsPath),
    outputShape: [grid.height, grid.width, channels.length],
    metadata,
    channels,
    weightsPath,
    extract(batch) {
      if (batch.rank !== 4 || batch.shape[1] !== inH || batch.shape[2] !== inW || batch.shape[3] !== 3) {
        throw new Error(`built-in extractor: expected images [B, ${inH}, ${inW}, 3], got [${batch.shape}]`);
      }
      return tf.tidy(() => {
        const x = resize
          ? tf.image.resizeBilinear(batch, [config.inputHeight, config.inputWidth], false, true)
          : batch;
        return builtinFeatures(net.apply(x), scale);
      });
    },
    dispose() {
      store.dispose();
    },
  };
}
