/**
 * Bench entry of the module memory network PG_memory, run by module-net's
 * bench/models.ts with its harness (the PyTorch reference's protocol):
 * *   (from packages/mm-net) npx tsx ../module-net/bench/models.ts --config small --models PG_memory
 */
import { tf } from '@mmnet/core-tensors';
import { buildProgramVocabulary, encodePrefixPrograms } from '@mmnet/module-net';
import {
  adamStep,
  BENCH_ANSWERS,
  type BenchModel,
  createBenchOptimizer,
} from '../../module-net/bench/harness.js';
import { createModuleMemoryNetwork } from '../src/index.js';

function answerVocab(): Record<string, number> {
  return Object.fromEntries(Array.from({ length: BENCH_ANSWERS }, (_, i) => [`a${i}`, i]));
}

/** PG_memory with the reference's ground-truth programs (one-hot addresses, grouped execution). */
export const pgMemoryBenchModel: BenchModel = {
  name: 'PG_memory',
  build(setup) {
    const { config } = setup;
    const programVocab = buildProgramVocabulary([...new Set(setup.programs.flat())].sort());
    const { model, store } = createModuleMemoryNetwork(
      { inChannels: config.inChannels, stemDim: config.stemDim, height: config.size, width: config.size },
      { program_token_to_idx: programVocab, answer_token_to_idx: answerVocab() },
    );
    const optimizer = createBenchOptimizer();
    const variables = store.variables();
    return {
      step(index) {
        const trees = model.parsePrograms(encodePrefixPrograms(setup.programsForStep(index), programVocab));
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

// PG_endtoend is not benchmarked yet: at the small config a training step ran out of the wasm heap (see the
// package report); its training step is tested on small shapes in test/pg-endtoend.test.ts.
export const benchModels: BenchModel[] = [pgMemoryBenchModel];
