/** Bench entries of SAN and SAN_wbw for the training-throughput benchmark (run by @mmnet/module-net's bench/models.ts). */
import { tf } from '@mmnet/core-tensors';
import {
  adamStep,
  BENCH_ANSWERS,
  BENCH_QUESTION_VOCAB,
  type BenchModel,
  type BenchSetup,
  createBenchOptimizer,
} from '@mmnet/module-net/bench/harness';
import { createSAN, createSANWordByWord } from '../src/index.js';

function sanBenchModel(name: string, create: typeof createSAN | typeof createSANWordByWord): BenchModel {
  return {
    name,
    build(setup: BenchSetup) {
      const { config } = setup;
      const vocab = {
        question_token_to_idx: Object.fromEntries(
          Array.from({ length: BENCH_QUESTION_VOCAB }, (_, i) => [`w${i}`, i]),
        ),
        answer_token_to_idx: Object.fromEntries(
          Array.from({ length: BENCH_ANSWERS }, (_, i) => [`a${i}`, i]),
        ),
      };
      const { model, store } = create(
        { inChannels: config.inChannels, stemDim: config.stemDim, height: config.size, width: config.size },
        vocab,
      );
      const optimizer = createBenchOptimizer();
      const variables = store.variables();
      return {
        step() {
          adamStep(
            optimizer,
            variables,
            () =>
              tf.losses.softmaxCrossEntropy(
                setup.answers,
                model.forward(setup.features, setup.questions, setup.lengths).logits,
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
}

export const benchModels: BenchModel[] = [
  sanBenchModel('SAN', createSAN),
  sanBenchModel('SAN_wbw', createSANWordByWord),
];
