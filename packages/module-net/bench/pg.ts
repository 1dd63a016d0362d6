/** Bench entry of the module network with ground-truth programs (PG). */
import { createModuleNetwork } from '../src/index.js';
import type { BenchModel } from './harness.js';
import { programBenchModel } from './program-bench-model.js';

export const pgBenchModel: BenchModel = programBenchModel('PG', createModuleNetwork);

/** PG with attention modules (examples/train-clevr's default model): 1x1 stem, global max-pool classifier. */
export const pgAttentionBenchModel: BenchModel = programBenchModel('PG_attention', (config, vocab) =>
  createModuleNetwork(
    {
      ...config,
      modules: 'attention',
      stemKernelSize: 1,
      classifier: { projDim: 64, hiddenDim: 128, poolSize: config.height },
    },
    vocab,
  ),
);

export const benchModels: BenchModel[] = [pgBenchModel, pgAttentionBenchModel];
