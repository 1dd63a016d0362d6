/** A bench entry for any model that executes the bench's ground-truth programs (PG, PG_memory, ...). */

import type { ParameterStore, tf } from '@mmnet/core-tensors';
import { encodePrefixPrograms, type ProgramTreeNode, tokenMapOf } from '@mmnet/programs';
import type { ModuleNetworkVocab } from '../src/index.js';
import {
  type BenchConfig,
  type BenchModel,
  benchAnswerLoss,
  benchAnswerVocab,
  trainedBenchModel,
} from './harness.js';

/** What such a model offers: parse prefix id rows into trees, and answer logits from features and trees. */
export interface ProgramExecutingModel {
  parsePrograms(rows: number[][]): ProgramTreeNode[];
  forward(features: tf.Tensor4D, trees: readonly ProgramTreeNode[]): { logits: tf.Tensor2D };
}

type ModelConfig = { inChannels: number; stemDim: number; height: number; width: number };

/** `create(config, vocab)` as the model packages' factories: the model and its parameter store. */
export function programBenchModel(
  name: string,
  create: (
    config: ModelConfig,
    vocab: ModuleNetworkVocab,
  ) => { model: ProgramExecutingModel; store: ParameterStore },
): BenchModel {
  return trainedBenchModel(name, (setup) => {
    const config: BenchConfig = setup.config;
    const programVocab = tokenMapOf([...new Set(setup.programs.flat())].sort());
    const { model, store } = create(
      { inChannels: config.inChannels, stemDim: config.stemDim, height: config.size, width: config.size },
      { program_token_to_idx: programVocab, answer_token_to_idx: benchAnswerVocab() },
    );
    return {
      variables: store.variables(),
      loss(index) {
        const trees = model.parsePrograms(encodePrefixPrograms(setup.programsForStep(index), programVocab));
        return benchAnswerLoss(setup, model.forward(setup.features, trees).logits);
      },
      dispose() {
        store.dispose();
      },
    };
  });
}
