import { tf } from '@mmnet/core-tensors';
import {
  alignedLayout,
  createStackEndToEndNetwork,
  endToEndObjective,
  endToEndPassSettings,
  layoutCrossEntropy,
  likelyLayouts,
  parseStackEndToEndConfig,
} from '@mmnet/mm-net';
import { MovingAverageBaseline } from '@mmnet/program-decoders';
import { clevrTypes, END_TOKEN, postfixToTree, treeToPrefix } from '@mmnet/programs';
import type { ModelAdapter, ModelFactory, ProgramBatch } from '../model-adapter.js';
import { featureTensor, questionTensor, requirePrograms } from './classification-loss.js';
import {
  baselineState,
  endToEndConfigInput,
  passPosition,
  programIdRows,
  programOrNull,
} from './pg-endtoend-common.js';

/**
 * PG_endtoend with the stack executor (@mmnet/mm-net's `StackEndToEndNetwork`): a controller's per-step
 * distributions over the program vocabulary address the attention memory, modules mix softly and exchange their
 * outputs through a differentiable stack. The loss is mm-net's `endToEndObjective` (answer cross-entropy, plus
 * REINFORCE on the sampled steps in the hard modes); `--use_curriculum` grows the number of steps (the decoder's
 * length curriculum, up to `stack.steps`). Evaluation reports the most likely whole program as the predicted
 * program (in prefix order when the layout is a whole tree), so the trainer's program exact match is the layout
 * agreement under the postfix alignment (mm-net's `alignedLayout`); the report shows every step's address and
 * written attention. With --program_supervision_fraction the addresses learn the aligned layouts by cross-entropy;
 * with `stack.givenLayouts` the aligned layouts are the addresses.
 */
export const createPgEndToEndStackAdapter: ModelFactory = (ctx) => {
  const config = parseStackEndToEndConfig(endToEndConfigInput(ctx));
  const { model, store } = createStackEndToEndNetwork(config, ctx.vocab);
  const baseline = new MovingAverageBaseline(config.decoder.reinforce.baselineMomentum);
  const names = model.programs;
  // The aligned layouts of the batch's ground-truth programs (null rows: too long); undefined without programs.
  const givenLayouts = (batch: ProgramBatch, steps: number) => {
    const { programs, programLength: width } = batch;
    if (!programs || !width) return undefined;
    return Array.from({ length: programs.length / width }, (_, i) =>
      alignedLayout(programs.subarray(i * width, (i + 1) * width), names, steps),
    );
  };
  const adapter: ModelAdapter = {
    name: 'PG_endtoend',
    store,
    config: { ...config, executorKind: 'stack' },
    groups: { programGenerator: ['programGenerator'], executor: ['executor'] },
    addressingLabels: model.layoutTokenIds.map((id) => names.token(id)),
    // Each step's written attention (its families' outputs mixed by their shares of the address).
    attentionLabel: 'step',
    // Its layout comes from its own controller (with `stack.givenLayouts`, from the batch's programs' alignment).
    predictsPrograms: true,
    executesGivenPrograms: false,
    forward(batch, fctx) {
      const n = batch.featureShape[0];
      const questions = questionTensor(batch);
      // The steps grow with the curriculum as a tree program's length does (up to stack.steps).
      const settings = endToEndPassSettings(config.decoder, passPosition(ctx, fctx), config.stack.steps);
      const out = model.forward(featureTensor(batch), questions, {
        layout: config.stack.givenLayouts ? givenLayouts(batch, settings.maxLength) : undefined,
        mode: settings.mode,
        steps: settings.maxLength,
        rng: fctx.rng,
        gumbelTemperature: settings.gumbelTemperature,
        sampleTemperature: settings.sampleTemperature,
        greedy: settings.greedy,
        training: fctx.training,
      });
      const { loss } = endToEndObjective(out, batch.answers ?? new Int32Array(n), {
        mode: settings.mode,
        reinforce: config.decoder.reinforce,
        baseline,
        generatorLearns: settings.generatorLearns,
      });
      if (fctx.training) return { loss, logits: out.logits };
      // The layout as a program: prefix order when it is one whole tree.
      const T = out.trace.addresses.shape[1];
      const layouts = Array.from({ length: n }, (_, i) => {
        const layout = Array.from(out.trace.tokens.subarray(i * T, (i + 1) * T), (id) => names.token(id));
        return layoutPrefix(layout) ?? layout;
      });
      return {
        loss,
        logits: out.logits,
        programs: programIdRows(layouts, ctx.vocab.program_token_to_idx),
        attention: out.trace.attentions,
        addressing: out.layoutAddresses,
      };
    },
    programLoss(batch, { rng }) {
      const questions = questionTensor(batch);
      requirePrograms(batch, 'PG_endtoend with --program_supervision_fraction');
      const T = config.stack.steps;
      const layouts = givenLayouts(batch, T)!;
      const n = layouts.length;
      const logits = model.layoutLogits(questions, T, rng);
      const ce = layoutCrossEntropy(logits, layouts);
      // Each step's argmax: evaluation's whole-program search would slow the early, flat steps of training.
      const chosen = tf.argMax(logits, -1).dataSync();
      let exact = 0;
      layouts.forEach((l, i) => {
        if (l?.every((id, t) => chosen[i * T + t] === id)) exact++;
      });
      return { loss: ce ? ce.loss : (tf.mul(tf.sum(logits), 0) as tf.Scalar), exactMatch: exact / n };
    },
    likelyPrograms(batch) {
      const T = config.stack.steps;
      const n = batch.questions.length / batch.questionLength;
      const scores = tf.tidy(() => tf.logSoftmax(model.layoutLogits(questionTensor(batch), T)).dataSync());
      const found = likelyLayouts(scores, n, T, names, 1, { depth: config.stack.depth, types: clevrTypes });
      const logProbs = Float64Array.from(found, ([best]) => best?.score ?? Number.NEGATIVE_INFINITY);
      const programs = found.map(([best]) =>
        best ? layoutPrefix(best.layout.map((id) => names.token(id))) : null,
      );
      return { programs, logProbs };
    },
    ...baselineState(baseline),
    dispose: () => {
      model.dispose();
      store.dispose();
    },
  };
  return adapter;
};

/** A layout's tokens (postfix, `<END>` as no-op) in prefix order, or null when they are not one whole tree. */
function layoutPrefix(layout: readonly string[]): string[] | null {
  return programOrNull(() => treeToPrefix(postfixToTree(layout.filter((t) => t !== END_TOKEN))));
}
