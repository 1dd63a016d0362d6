import { tf } from '@mmnet/core-tensors';
import {
  alignedLayout,
  createStackEndToEndNetwork,
  endToEndObjective,
  layoutCrossEntropy,
  parseStackEndToEndConfig,
} from '@mmnet/mm-net';
import { curriculumLength, gumbelTemperature, MovingAverageBaseline } from '@mmnet/program-decoders';
import { END_TOKEN, ProgramError, postfixToTree, treeToPrefix } from '@mmnet/programs';
import type { ModelAdapter, ModelFactory } from '../model-adapter.js';
import { featureTensor, requirePrograms } from './classification-loss.js';

const sub = (v: unknown) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});

/**
 * PG_endtoend with the stack executor (@mmnet/mm-net's `StackEndToEndNetwork`): a controller's per-step
 * distributions over the program vocabulary address the attention memory, modules mix softly and exchange their
 * outputs through a differentiable stack. The loss is mm-net's `endToEndObjective` (answer cross-entropy, plus
 * REINFORCE on the sampled steps in the hard modes); `--use_curriculum` grows the number of steps (the decoder's
 * length curriculum, up to `stack.steps`). Evaluation reports each step's most likely token as the predicted
 * program (in prefix order when the layout is a whole tree), so the trainer's program exact match is the layout
 * agreement under the postfix alignment (mm-net's `alignedLayout`); the report shows every step's address and
 * written attention. With --program_supervision_fraction the addresses learn the aligned layouts by cross-entropy.
 */
export const createPgEndToEndStackAdapter: ModelFactory = (ctx) => {
  const [h, w, c] = ctx.featureShape;
  const mc = ctx.modelConfig;
  const config = parseStackEndToEndConfig({
    ...mc,
    executor: { inChannels: c, stemDim: ctx.stemDim, height: h, width: w, ...sub(mc.executor) },
    decoder: { ...sub(mc.decoder), mode: ctx.decoderMode },
    seed: ctx.seed,
  });
  const { model, store } = createStackEndToEndNetwork(config, ctx.vocab);
  const baseline = new MovingAverageBaseline(config.decoder.reinforce.baselineMomentum);
  const names = model.programs;
  const programIds = ctx.vocab.program_token_to_idx;
  const mode = config.decoder.mode;
  const stepsAt = (step: number) =>
    ctx.useCurriculum
      ? Math.min(config.stack.steps, curriculumLength(config.decoder.curriculum, step))
      : config.stack.steps;
  const adapter: ModelAdapter = {
    name: 'PG_endtoend',
    store,
    config: { ...config, executorKind: 'stack' },
    groups: { programGenerator: ['programGenerator'], executor: ['executor'] },
    addressingLabels: model.layoutTokenIds.map((id) => names.token(id)),
    // Each step's written attention (its families' outputs mixed by their shares of the address).
    attentionLabel: 'step',
    // Its layout comes from its own controller; a given program has no place in it.
    predictsPrograms: true,
    executesGivenPrograms: false,
    forward(batch, fctx) {
      const n = batch.featureShape[0];
      const questions = tf.tensor2d(batch.questions, [n, batch.questionLength], 'int32');
      const steps = stepsAt(fctx.step);
      const out = model.forward(featureTensor(batch), questions, {
        mode,
        steps,
        rng: fctx.rng,
        gumbelTemperature:
          mode === 'gumbel' ? gumbelTemperature(config.decoder.gumbel, fctx.step) : undefined,
        sampleTemperature: config.decoder.reinforce.sampleTemperature,
        greedy: !fctx.training || fctx.trainMode === 'EE',
      });
      const { loss } = endToEndObjective(out, batch.answers ?? new Int32Array(n), {
        mode,
        reinforce: config.decoder.reinforce,
        baseline,
        generatorLearns: fctx.training && fctx.trainMode !== 'EE',
      });
      if (fctx.training) return { loss, logits: out.logits };
      // Each step's most likely token as a program: prefix order when the layout is one whole tree.
      const T = out.trace.addresses.shape[1];
      const rows = Array.from({ length: n }, (_, i) => {
        const layout = Array.from(out.trace.tokens.subarray(i * T, (i + 1) * T), (id) => names.token(id));
        return [
          programIds['<START>'],
          ...(layoutPrefix(layout) ?? layout).map((t) => programIds[t] ?? programIds['<UNK>'] ?? 0),
          programIds['<END>'],
        ];
      });
      const width = Math.max(...rows.map((r) => r.length));
      const flat = new Int32Array(n * width);
      rows.forEach((r, i) => flat.set(r, i * width));
      return {
        loss,
        logits: out.logits,
        programs: tf.tensor2d(flat, [n, width], 'int32'),
        attention: out.trace.attentions,
        addressing: out.layoutAddresses,
      };
    },
    programLoss(batch) {
      const n = batch.featureShape[0];
      const questions = tf.tensor2d(batch.questions, [n, batch.questionLength], 'int32');
      const { data, shape } = requirePrograms(batch, 'PG_endtoend with --program_supervision_fraction');
      const T = config.stack.steps;
      const layouts = Array.from({ length: n }, (_, i) =>
        alignedLayout(data.subarray(i * shape[1], (i + 1) * shape[1]), names, T),
      );
      const logits = model.layoutLogits(questions, T);
      const ce = layoutCrossEntropy(logits, layouts);
      const chosen = tf.argMax(logits, -1).dataSync();
      let exact = 0;
      layouts.forEach((l, i) => {
        if (l?.every((id, t) => chosen[i * T + t] === id)) exact++;
      });
      return { loss: ce ? ce.loss : (tf.mul(tf.sum(logits), 0) as tf.Scalar), exactMatch: exact / n };
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

/** A layout's tokens (postfix, `<END>` as no-op) in prefix order, or null when they are not one whole tree. */
function layoutPrefix(layout: readonly string[]): string[] | null {
  try {
    return treeToPrefix(postfixToTree(layout.filter((t) => t !== END_TOKEN)));
  } catch (error) {
    if (error instanceof ProgramError) return null;
    throw error;
  }
}
