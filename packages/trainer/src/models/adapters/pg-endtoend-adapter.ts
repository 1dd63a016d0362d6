import { createEndToEndNetwork, EndToEndConfigSchema, endToEndPass } from '@mmnet/mm-net';
import { beamSearch, MovingAverageBaseline } from '@mmnet/program-decoders';
import { prefixToTree, treeToPrefix } from '@mmnet/programs';
import type { ModelAdapter, ModelFactory } from '../model-adapter.js';
import { featureTensor, questionTensor } from './classification-loss.js';
import {
  baselineState,
  endToEndConfigInput,
  passPosition,
  programIdRows,
  programOrNull,
} from './pg-endtoend-common.js';
import { createPgEndToEndStackAdapter } from './pg-endtoend-stack-adapter.js';
import { stepMaps, teacherForcedProgramLoss } from './program-generator-part.js';

/**
 * PG_endtoend with `--executor tree` (@mmnet/mm-net; `stack` is pg-endtoend-stack-adapter.ts): a seq2seq program
 * generator whose per-step distributions address one memory of module weights. A step's loss is mm-net's
 * `endToEndPass`: answer cross-entropy, plus REINFORCE (moving-average baseline, entropy bonus) in the hard modes,
 * with the program-length curriculum and Gumbel temperature of `endToEndPassSettings`.
 */
export const createPgEndToEndAdapter: ModelFactory = (ctx) => {
  if (ctx.executorKind === 'stack') return createPgEndToEndStackAdapter(ctx);
  const config = EndToEndConfigSchema.parse(endToEndConfigInput(ctx));
  const { model, store } = createEndToEndNetwork(config, ctx.vocab);
  const baseline = new MovingAverageBaseline(config.decoder.reinforce.baselineMomentum);
  const names = model.generator.programs;
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
      const questions = questionTensor(batch);
      const { out, objective } = endToEndPass(
        model,
        featureTensor(batch),
        questions,
        batch.answers ?? new Int32Array(n),
        { ...passPosition(ctx, fctx), rng: fctx.rng, baseline, capture: fctx.capture },
      );
      return {
        loss: objective.loss,
        logits: out.logits,
        programs: programIdRows(
          out.decoded.programs.map((p) => p.tokens.map((id) => names.token(id))),
          ctx.vocab.program_token_to_idx,
        ),
        addressing: fctx.training ? undefined : out.memoryAddresses,
        steps: stepMaps(out.captures),
      };
    },
    programLoss: (batch) =>
      teacherForcedProgramLoss(model.generator, batch, 'PG_endtoend with --program_supervision_fraction'),
    likelyPrograms(batch) {
      // The generator's beam of one (`<END>` counted in the log-probability); a decoding that did not end, or is no
      // whole tree, is no program.
      const questions = questionTensor(batch);
      const found = beamSearch(model.generator, questions, { beamWidth: 1 });
      questions.dispose();
      const programs = found.map(([best]) => {
        const tokens = best?.ended ? best.sequence.map((id) => names.token(id)) : null;
        return tokens && programOrNull(() => treeToPrefix(prefixToTree(tokens)));
      });
      return {
        programs,
        logProbs: Float64Array.from(found, ([best]) => best?.logProb ?? Number.NEGATIVE_INFINITY),
      };
    },
    ...baselineState(baseline),
    dispose: () => {
      model.dispose();
      store.dispose();
    },
  };
  return adapter;
};
