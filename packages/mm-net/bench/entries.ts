/**
 * Bench entries of the module memory networks, run by module-net's bench/models.ts with its harness (the
 * PyTorch reference's protocol and training loop); entries only build the models:
 * *   PG_memory: ground-truth programs (one-hot addresses, grouped execution).
 * *   PG_endtoend_<mode>, mode soft | gumbel | hard | hard+penalty: programs decoded from the bench's
 *     questions by the seq2seq generator, whose addresses read the memory; loss = `endToEndPass`'s, the
 *     trainer's (answer cross-entropy, plus REINFORCE in the hard modes), both parameter groups trained.
 * *   PG_memory_attention, PG_endtoend_attention_<mode>: the same with attention modules (the memory is the
 *     attention families' stacked parameters; 1x1 stem, global max-pool classifier, as PG_attention).
 * From packages/mm-net: npx tsx ../module-net/bench/models.ts --config small --models PG_memory,PG_endtoend_soft
 */

import { createRng } from '@mmnet/core-tensors';
import { programBenchModel } from '@mmnet/module-net/bench/program-bench-model';
import type { DecoderMode } from '@mmnet/program-decoders';
import { MovingAverageBaseline, ReinforceConfigSchema } from '@mmnet/program-decoders';
import { SPECIAL_TOKENS, tokenMapOf } from '@mmnet/programs';
import {
  BENCH_QUESTION_VOCAB,
  type BenchModel,
  type BenchSetup,
  benchAnswerVocab,
  trainedBenchModel,
} from '../../module-net/bench/harness.js';
import {
  createEndToEndNetwork,
  createModuleMemoryNetwork,
  createStackEndToEndNetwork,
  endToEndObjective,
  endToEndPass,
} from '../src/index.js';

function programVocabOf(setup: BenchSetup): Record<string, number> {
  return tokenMapOf([...new Set(setup.programs.flat())].sort());
}

export const pgMemoryBenchModel: BenchModel = programBenchModel('PG_memory', createModuleMemoryNetwork);

/** The attention recipe of examples/train-clevr's PG, for a bench config's sizes. */
function attentionExecutor(height: number) {
  return {
    modules: 'attention' as const,
    stemKernelSize: 1,
    classifier: { projDim: 64, hiddenDim: 128, poolSize: height },
  };
}

export const pgMemoryAttentionBenchModel: BenchModel = programBenchModel(
  'PG_memory_attention',
  (config, vocab) => createModuleMemoryNetwork({ ...config, ...attentionExecutor(config.height) }, vocab),
);

/** Question vocabulary of the bench's random questions (ids 4..95 after the four specials). */
function questionVocab(): Record<string, number> {
  return tokenMapOf(
    Array.from({ length: BENCH_QUESTION_VOCAB - SPECIAL_TOKENS.length }, (_, i) => `w${i + 4}`),
  );
}

/** The executor sizes of a bench config. */
function benchExecutorSizes(config: BenchSetup['config']) {
  return { inChannels: config.inChannels, stemDim: config.stemDim, height: config.size, width: config.size };
}

function endToEndBenchModel(mode: DecoderMode, attention = false): BenchModel {
  const name = `PG_endtoend_${attention ? 'attention_' : ''}${mode}`;
  return trainedBenchModel(name, (setup) => {
    const { config } = setup;
    // Programs as long as the longest of the bench's ground-truth programs (the curriculum's full length).
    const maxProgramLength = Math.max(...setup.programs.map((p) => p.length));
    const { model, store } = createEndToEndNetwork(
      {
        executor: { ...benchExecutorSizes(config), ...(attention ? attentionExecutor(config.size) : {}) },
        programGenerator: { maxProgramLength },
        decoder: { mode },
      },
      {
        question_token_to_idx: questionVocab(),
        program_token_to_idx: programVocabOf(setup),
        answer_token_to_idx: benchAnswerVocab(),
      },
    );
    const rng = createRng(0);
    const baseline = new MovingAverageBaseline(model.config.decoder.reinforce.baselineMomentum);
    const answers = Int32Array.from(setup.answerIds);
    const position = { step: 0, training: true, trainMode: 'PG+EE', useCurriculum: false } as const;
    return {
      variables: store.variables(),
      loss: () =>
        endToEndPass(model, setup.features, setup.questions, answers, { ...position, rng, baseline })
          .objective.loss,
      dispose() {
        model.dispose();
        store.dispose();
      },
    };
  });
}

const MODES = ['soft', 'gumbel', 'hard', 'hard+penalty'] as const;

/**
 * PG_endtoend with the stack executor (`PG_endtoend_stack_<mode>`): the controller's T = 12 steps over the
 * attention memory (PG_attention's recipe: 1x1 stem, coordinates, count filters, global max-pool classifier), loss
 * = the answer cross-entropy (plus REINFORCE in the hard modes), both parameter groups trained.
 */
function stackBenchModel(mode: DecoderMode): BenchModel {
  return trainedBenchModel(`PG_endtoend_stack_${mode}`, (setup) => {
    const { config } = setup;
    const { model, store } = createStackEndToEndNetwork(
      {
        executor: {
          ...benchExecutorSizes(config),
          stemKernelSize: 1,
          coordinates: true,
          countFilters: 8,
          classifier: { projDim: 64, hiddenDim: 128, poolSize: config.size },
        },
        programGenerator: { encoderWordvecDim: 64, hiddenDim: 128, numLayers: 1 },
        decoder: { mode },
      },
      {
        question_token_to_idx: questionVocab(),
        program_token_to_idx: programVocabOf(setup),
        answer_token_to_idx: benchAnswerVocab(),
      },
    );
    const rng = createRng(0);
    const baseline = new MovingAverageBaseline(0.9);
    const reinforce = ReinforceConfigSchema.parse({});
    return {
      variables: store.variables(),
      loss: () =>
        endToEndObjective(
          model.forward(setup.features, setup.questions, { rng }),
          Int32Array.from(setup.answerIds),
          {
            mode,
            reinforce,
            baseline,
            generatorLearns: true,
          },
        ).loss,
      dispose() {
        model.dispose();
        store.dispose();
      },
    };
  });
}

export const stackBenchModels: BenchModel[] = MODES.map((mode) => stackBenchModel(mode));

export const endToEndBenchModels: BenchModel[] = MODES.map((mode) => endToEndBenchModel(mode));

export const endToEndAttentionBenchModels: BenchModel[] = MODES.map((mode) => endToEndBenchModel(mode, true));

export const benchModels: BenchModel[] = [
  pgMemoryBenchModel,
  pgMemoryAttentionBenchModel,
  ...endToEndBenchModels,
  ...endToEndAttentionBenchModels,
  ...stackBenchModels,
];
