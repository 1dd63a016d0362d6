import type { Vocab } from '@mmnet/programs';
import type { TrainConfig } from '../config/train-config.js';
import type { ModelAdapter } from './model-adapter.js';
import type { ModelRegistry } from './registry.js';

/** Builds the model a train config names, for features of shape [H, W, C]. */
export async function createModel(
  config: TrainConfig,
  vocab: Vocab,
  featureShape: [number, number, number],
  registry: ModelRegistry,
): Promise<ModelAdapter> {
  const factory = await registry.factory(config.model);
  return factory({
    vocab,
    featureShape,
    questionSize: config.question_size ?? Object.keys(vocab.question_token_to_idx).length,
    stemDim: config.stem_dim,
    decoderMode: config.decoder_mode,
    useCurriculum: config.use_curriculum,
    greedyPrograms: config.greedy_programs,
    executorKind: config.executor,
    modelConfig: config.model_config,
    seed: config.seed,
  });
}
