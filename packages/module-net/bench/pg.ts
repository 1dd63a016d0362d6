/** Bench entry of the module network with ground-truth programs (PG). */
import { buildProgramVocabulary, createModuleNetwork, encodePrefixPrograms } from '../src/index.js';
import { type BenchModel, benchAnswerLoss, benchAnswerVocab, trainedBenchModel } from './harness.js';

export const pgBenchModel: BenchModel = trainedBenchModel('PG', (setup) => {
  const { config } = setup;
  const programVocab = buildProgramVocabulary([...new Set(setup.programs.flat())].sort());
  const { model, store } = createModuleNetwork(
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

export const benchModels: BenchModel[] = [pgBenchModel];
