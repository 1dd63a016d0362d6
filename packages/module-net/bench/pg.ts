/** Bench entry of the module network with ground-truth programs (PG). */
import { tf } from '@mmnet/core-tensors';
import { buildProgramVocabulary, createModuleNetwork, encodePrefixPrograms } from '../src/index.js';
import { adamStep, BENCH_ANSWERS, type BenchModel, createBenchOptimizer } from './harness.js';

export const pgBenchModel: BenchModel = {
  name: 'PG',
  build(setup) {
    const { config } = setup;
    const tokens = [...new Set(setup.programs.flat())].sort();
    const programVocab = buildProgramVocabulary(tokens);
    const answers = Object.fromEntries(Array.from({ length: BENCH_ANSWERS }, (_, i) => [`a${i}`, i]));
    const { model, store } = createModuleNetwork(
      { inChannels: config.inChannels, stemDim: config.stemDim, height: config.size, width: config.size },
      { program_token_to_idx: programVocab, answer_token_to_idx: answers },
    );
    const optimizer = createBenchOptimizer();
    const variables = store.variables();
    return {
      step(index) {
        const ids = encodePrefixPrograms(setup.programsForStep(index), programVocab);
        const trees = model.parsePrograms(ids);
        adamStep(
          optimizer,
          variables,
          () =>
            tf.losses.softmaxCrossEntropy(
              setup.answers,
              model.forward(setup.features, trees).logits,
            ) as tf.Scalar,
        );
      },
      dispose() {
        optimizer.dispose();
        store.dispose();
      },
    };
  },
};

export const benchModels: BenchModel[] = [pgBenchModel];
