import type { FeatureExtractor } from '@mmnet/clevr-data';
import { formatZodError } from '@mmnet/clevr-data';
import {
  type Checkpoint,
  createRng,
  decodeSafetensors,
  loadParametersInto,
  ParameterStore,
  parseCheckpoint,
  tf,
} from '@mmnet/core-tensors';
import { BuiltinCnn, builtinCnnGrid } from './architecture.js';
import { builtinFeatureChannels, builtinFeatures } from './feature-map.js';
import { type BuiltinWeightsMetadata, builtinWeightsMetadataSchema } from './weights-metadata.js';

/**
 * The built-in CNN from the bytes of its weights file, without file access (a web page fetches the bytes):
 * createBuiltinExtractor reads the file and builds it here.
 */
export interface BuiltinExtractorFromBytes extends FeatureExtractor {
  /** The weights file's metadata (architecture, training seed, pretext accuracies). */
  metadata: BuiltinWeightsMetadata;
  /** Name of each output channel: 16 attribute probabilities, the embedding, x, y. */
  channels: string[];
  dispose(): void;
}

/** FNV-1a of the weights file, so that feature files record which weights made them. */
function shortHash(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** The name feature files record for the built-in CNN with the weights file of these bytes: `builtin-v1-<hash>`. */
export function builtinExtractorNameOf(bytes: Uint8Array): string {
  return `builtin-v1-${shortHash(bytes)}`;
}

/** Decodes a weights file's bytes and checks its metadata; errors name `source` and the field. */
export function builtinWeightsFromBytes(
  bytes: Uint8Array,
  source: string,
): { checkpoint: Checkpoint; metadata: BuiltinWeightsMetadata } {
  const checkpoint = parseCheckpoint(decodeSafetensors(bytes, source));
  const parsed = builtinWeightsMetadataSchema.safeParse(checkpoint.metadata);
  if (!parsed.success) {
    throw new Error(`${source}: not built-in extractor weights: metadata ${formatZodError(parsed.error)}`);
  }
  const metadata = parsed.data;
  if (metadata.embeddingScale.length !== metadata.config.embeddingChannels) {
    throw new Error(
      `${source}: metadata embeddingScale has ${metadata.embeddingScale.length} values for ${metadata.config.embeddingChannels} embedding channels`,
    );
  }
  return { checkpoint, metadata };
}

/**
 * The built-in CNN as a `FeatureExtractor` from its weights file's bytes: images [B, H, W, 3] in [0, 1] (H x W =
 * `input`, default the network's own input size) to [B, grid, grid, channels] features.
 */
export function builtinExtractorFromBytes(
  bytes: Uint8Array,
  input: { height: number; width: number } | undefined,
  source: string,
): BuiltinExtractorFromBytes {
  const { checkpoint, metadata } = builtinWeightsFromBytes(bytes, source);
  const config = metadata.config;
  const store = new ParameterStore(createRng(0));
  const net = new BuiltinCnn(store.scope('cnn'), config);
  try {
    loadParametersInto(store, checkpoint, source);
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
    name: builtinExtractorNameOf(bytes),
    outputShape: [grid.height, grid.width, channels.length],
    metadata,
    channels,
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
