import { tf } from '@mmnet/core-tensors';
import { createModuleMemoryNetwork, ModuleMemoryNetworkConfigSchema } from '@mmnet/mm-net';
import { imageModelConfigInput, type ModelAdapter, type ModelFactory } from '../model-adapter.js';
import { answerLoss, featureTensor } from './classification-loss.js';
import {
  createProgramGeneratorPart,
  PROGRAM_GENERATOR_PREFIX,
  programsToRun,
  splitGeneratorConfig,
  stepMaps,
  withGeneratorLoss,
} from './program-generator-part.js';

/**
 * PG_memory (@mmnet/mm-net): module weights read from unary/binary memory banks by the ground-truth program;
 * with `model_config.programGenerator`, also a seq2seq program generator whose programs it executes at
 * evaluation and prediction (as PG).
 */
export const createPgMemoryAdapter: ModelFactory = (ctx) => {
  const { generator: generatorConfig, rest } = splitGeneratorConfig(ctx.modelConfig);
  const config = ModuleMemoryNetworkConfigSchema.parse(imageModelConfigInput({ ...ctx, modelConfig: rest }));
  const { model, store } = createModuleMemoryNetwork(config, ctx.vocab);
  const part = generatorConfig ? createProgramGeneratorPart(store, ctx.vocab, generatorConfig) : undefined;
  const labels = [...model.unaryTokens, ...model.binaryTokens];
  const adapter: ModelAdapter = {
    name: 'PG_memory',
    store,
    config: part ? { ...config, programGenerator: part.generator.config } : config,
    groups: {
      programGenerator: part ? [PROGRAM_GENERATOR_PREFIX] : [],
      executor: ['stem', 'memory', 'modules', 'classifier'],
    },
    addressingLabels: labels,
    predictsPrograms: part !== undefined,
    executesGivenPrograms: true,
    forward(batch, fctx) {
      const programs = programsToRun(batch, part, fctx.programs, fctx.training, 'PG_memory');
      const out = model.forward(featureTensor(batch), programs, { capture: fctx.capture });
      const result: ReturnType<ModelAdapter['forward']> = {
        loss: answerLoss(out.logits, batch),
        logits: out.logits,
        steps: stepMaps(out.captures),
      };
      if (!fctx.training) {
        // [B, steps, unary rows + binary rows]
        const { unary, binary } = out.addressing;
        const u = tf.tensor3d(unary.values, [unary.batch, unary.steps, unary.rowNames.length]);
        const b = tf.tensor3d(binary.values, [binary.batch, binary.steps, binary.rowNames.length]);
        result.addressing = tf.concat([u, b], 2);
      }
      return withGeneratorLoss(result, batch, part, fctx, programs);
    },
    programLoss: part ? (batch) => part.loss(batch) : undefined,
    dispose: () => {
      part?.generator.dispose();
      store.dispose();
    },
  };
  return adapter;
};
