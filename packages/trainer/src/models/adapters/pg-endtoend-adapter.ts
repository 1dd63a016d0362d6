import { tf } from '@mmnet/core-tensors';
import { createEndToEndNetwork, EndToEndConfigSchema, endToEndObjective } from '@mmnet/mm-net';
import {
  curriculumLength,
  gumbelTemperature,
  MovingAverageBaseline,
  maskedSequenceCrossEntropy,
} from '@mmnet/program-decoders';
import { NULL_ID } from '@mmnet/programs';
import type { ModelAdapter, ModelFactory } from '../model-adapter.js';
import { featureTensor, requirePrograms } from './classification-loss.js';
import { createPgEndToEndStackAdapter } from './pg-endtoend-stack-adapter.js';
import { stepMaps } from './program-generator-part.js';

const sub = (v: unknown) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});

/**
 * PG_endtoend with `--executor tree` (@mmnet/mm-net; `stack` is pg-endtoend-stack-adapter.ts): a seq2seq program generator whose per-step distributions address one memory of
 * module weights. The loss is mm-net's `endToEndObjective` (as its EndToEndLearner's): answer cross-entropy, plus
 * REINFORCE (moving-average baseline, entropy bonus) in the hard modes; curriculum on program length and Gumbel temperature by step.
 */
export const createPgEndToEndAdapter: ModelFactory = (ctx) => {
  if (ctx.executorKind === 'stack') return createPgEndToEndStackAdapter(ctx);
  const [h, w, c] = ctx.featureShape;
  const mc = ctx.modelConfig;
  const config = EndToEndConfigSchema.parse({
    ...mc,
    executor: { inChannels: c, stemDim: ctx.stemDim, height: h, width: w, ...sub(mc.executor) },
    decoder: { ...sub(mc.decoder), mode: ctx.decoderMode },
    seed: ctx.seed,
  });
  const { model, store } = createEndToEndNetwork(config, ctx.vocab);
  const baseline = new MovingAverageBaseline(config.decoder.reinforce.baselineMomentum);
  const names = model.generator.programs;
  const programIds = ctx.vocab.program_token_to_idx;
  const mode = config.decoder.mode;
  const adapter: ModelAdapter = {
    name: 'PG_endtoend',
    store,
    config,
    groups: { programGenerator: ['programGenerator'], executor: ['executor'] },
    addressingLabels: model.rowTokenIds.map((id) => names.token(id)),
    predictsPrograms: true,
    executesGivenPrograms: false,
    forward(batch, fctx) {
      const n = batch.featureShape[0];
      const questions = tf.tensor2d(batch.questions, [n, batch.questionLength], 'int32');
      const maxLength = ctx.useCurriculum
        ? curriculumLength(config.decoder.curriculum, fctx.step)
        : model.generator.config.maxProgramLength;
      const out = model.forward(featureTensor(batch), questions, {
        mode,
        maxLength,
        rng: fctx.rng,
        gumbelTemperature:
          mode === 'gumbel' ? gumbelTemperature(config.decoder.gumbel, fctx.step) : undefined,
        sampleTemperature: config.decoder.reinforce.sampleTemperature,
        // The generator's most likely programs where it does not learn from this pass: evaluation (as
        // clevr-iep evaluates PG+EE) and --train_mode EE (the executor learns the generator's programs).
        greedy: !fctx.training || fctx.trainMode === 'EE',
        capture: fctx.capture,
      });
      const { loss } = endToEndObjective(out, batch.answers ?? new Int32Array(n), {
        mode,
        reinforce: config.decoder.reinforce,
        baseline,
        generatorLearns: fctx.training && fctx.trainMode !== 'EE',
      });
      // Predicted programs as vocab ids: <START> tokens <END>, padded with <NULL>.
      const rows = out.decoded.programs.map((p) => [
        programIds['<START>'],
        ...p.tokens.map((id) => programIds[names.token(id)] ?? programIds['<UNK>'] ?? 0),
        programIds['<END>'],
      ]);
      const width = Math.max(...rows.map((r) => r.length));
      const flat = new Int32Array(n * width);
      rows.forEach((r, i) => flat.set(r, i * width));
      return {
        loss,
        logits: out.logits,
        programs: tf.tensor2d(flat, [n, width], 'int32'),
        addressing: fctx.training ? undefined : out.memoryAddresses,
        steps: stepMaps(out.captures),
      };
    },
    programLoss(batch) {
      const n = batch.featureShape[0];
      const questions = tf.tensor2d(batch.questions, [n, batch.questionLength], 'int32');
      const { data, shape } = requirePrograms(batch, 'PG_endtoend with --program_supervision_fraction');
      const programs = tf.tensor2d(data, shape, 'int32');
      const logits = model.generator.teacherForcedLogits(questions, programs);
      const targets = tf.slice(programs, [0, 1], [n, shape[1] - 1]) as tf.Tensor2D;
      // A program matches when every non-padding next token is the argmax.
      const wrong = tf.logicalAnd(tf.notEqual(tf.argMax(logits, -1), targets), tf.notEqual(targets, NULL_ID));
      const wrongPerRow = tf.sum(tf.cast(wrong, 'int32'), 1).dataSync();
      const exactMatch = wrongPerRow.filter((w) => w === 0).length / n;
      return { loss: maskedSequenceCrossEntropy(logits, targets), exactMatch };
    },
    getState: () => ({ baseline: baseline.value }),
    setState: (state) => baseline.setValue(typeof state.baseline === 'number' ? state.baseline : null),
    dispose: () => {
      model.dispose();
      store.dispose();
    },
  };
  return adapter;
};
