import { createRng, ParameterStore, tf } from '@mmnet/core-tensors';
import {
  answerCount,
  defineNetworkModules,
  ModuleNetwork,
  ModuleNetworkConfigSchema,
  ModuleRegistry,
} from '@mmnet/module-net';
import { decodeGreedy, Seq2SeqConfigSchema, Seq2SeqProgramGenerator } from '@mmnet/program-decoders';
import { END_ID, NULL_ID } from '@mmnet/programs';
import { z } from 'zod';
import { configSection, type ModelAdapter, type ModelFactory } from '../model-adapter.js';
import { answerLoss, featureTensor, questionTensor, requirePrograms } from './classification-loss.js';
import { teacherForcedProgramLoss } from './program-generator-part.js';

/**
 * The model config of IEP (clevr-iep's PG+EE): the seq2seq program generator and the module network with
 * clevr-iep's own blocks (`modules: 'iep'`), as `mmnet convert --from clevr-iep` writes it.
 */
export const IepModelConfigSchema = z.object({
  programGenerator: Seq2SeqConfigSchema.prefault({}),
  executor: ModuleNetworkConfigSchema.omit({ seed: true }).prefault({ modules: 'iep' }),
});

/**
 * IEP: questions -> the generator's greedy programs (as clevr-iep's `reinforce_sample(argmax=True)`: rows of
 * `maxProgramLength` ids, `<END>` then `<NULL>` after the program) -> the execution engine, which reads each row
 * as clevr-iep does. Parameters `programGenerator.*` and `executor.*`. The executor learns from the answers
 * on the generator's programs, or on the ground-truth ones with --train_mode EE (as clevr-iep's EE training);
 * the generator learns from programs with --program_supervision_fraction.
 */
export const createIepAdapter: ModelFactory = (ctx) => {
  const [h, w, c] = ctx.featureShape;
  const mc = ctx.modelConfig;
  const config = IepModelConfigSchema.parse({
    programGenerator: configSection(mc.programGenerator),
    executor: {
      modules: 'iep',
      inChannels: c,
      stemDim: ctx.stemDim,
      height: h,
      width: w,
      ...configSection(mc.executor),
    },
  });
  const store = new ParameterStore(createRng(ctx.seed));
  const generator = new Seq2SeqProgramGenerator(
    store.scope('programGenerator'),
    config.programGenerator,
    ctx.vocab,
  );
  const programIds = ctx.vocab.program_token_to_idx;
  if (config.executor.modules !== 'iep') {
    throw new Error(
      `IEP: executor.modules must be 'iep' (clevr-iep's blocks), got '${config.executor.modules}'`,
    );
  }
  const registry = defineNetworkModules(new ModuleRegistry(), Object.keys(programIds), config.executor);
  const executor = new ModuleNetwork(
    store.scope('executor'),
    config.executor,
    registry,
    answerCount(ctx.vocab.answer_token_to_idx),
    programIds,
  );
  const names = generator.programs;
  const maxLength = config.programGenerator.maxProgramLength;

  /** The generator's greedy programs as clevr-iep's id rows [B, maxLength] (vocab ids). */
  const predictedRows = (questions: tf.Tensor2D): Int32Array => {
    const decoded = decodeGreedy(generator, questions, { maxLength });
    const rows = new Int32Array(questions.shape[0] * maxLength).fill(programIds['<NULL>'] ?? NULL_ID);
    decoded.sequences.forEach((tokens, b) => {
      const ids = tokens.map((id) => programIds[names.token(id)]);
      if (decoded.ended[b] && ids.length < maxLength) ids.push(programIds[names.token(END_ID)]);
      rows.set(ids, b * maxLength);
    });
    return rows;
  };

  const adapter: ModelAdapter = {
    name: 'IEP',
    store,
    config,
    groups: { programGenerator: ['programGenerator'], executor: ['executor'] },
    forward(batch, fctx) {
      const n = batch.featureShape[0];
      const questions = questionTensor(batch);
      // The batch's programs when asked for, and while training the executor alone (--train_mode EE).
      const groundTruth =
        fctx.programs === 'given' ||
        (fctx.programs === undefined && fctx.training && fctx.trainMode === 'EE');
      const programs = groundTruth
        ? requirePrograms(batch, 'IEP with --train_mode EE')
        : { data: predictedRows(questions), shape: [n, maxLength] as [number, number] };
      const { logits } = executor.forward(featureTensor(batch), programs, { training: fctx.training });
      const rows = tf.tensor2d(programs.data, programs.shape, 'int32');
      const start = tf.fill([n, 1], programIds['<START>'] ?? 1, 'int32');
      return {
        loss: answerLoss(logits, batch),
        logits,
        programs: groundTruth ? rows : (tf.concat([start, rows], 1) as tf.Tensor2D),
      };
    },
    programLoss: (batch) =>
      teacherForcedProgramLoss(generator, batch, 'IEP with --program_supervision_fraction'),
    dispose: () => {
      generator.dispose();
      store.dispose();
    },
  };
  return adapter;
};
