import { createModuleNetwork, type ModuleNetworkConfig, ModuleNetworkConfigSchema } from '@mmnet/module-net';
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
 * PG: the IEP execution engine (@mmnet/module-net) on ground-truth programs ("executor"); with
 * `model_config.programGenerator`, also clevr-iep's seq2seq program generator, trained on the same programs,
 * whose programs it executes at evaluation and prediction.
 */
export const createPgAdapter: ModelFactory = (ctx) => {
  const { generator: generatorConfig, rest } = splitGeneratorConfig(ctx.modelConfig);
  const config: ModuleNetworkConfig = ModuleNetworkConfigSchema.parse(
    imageModelConfigInput({ ...ctx, modelConfig: rest }),
  );
  const { model, store } = createModuleNetwork(config, ctx.vocab);
  const part = generatorConfig ? createProgramGeneratorPart(store, ctx.vocab, generatorConfig) : undefined;
  const adapter: ModelAdapter = {
    name: 'PG',
    store,
    config: part ? { ...config, programGenerator: part.generator.config } : config,
    groups: {
      programGenerator: part ? [PROGRAM_GENERATOR_PREFIX] : [],
      executor: ['stem', 'modules', 'classifier'],
    },
    predictsPrograms: part !== undefined,
    executesGivenPrograms: true,
    forward(batch, fctx) {
      const programs = programsToRun(batch, part, fctx.programs, fctx.training, 'PG');
      const { logits, captures } = model.forward(featureTensor(batch), programs, { capture: fctx.capture });
      const out = withGeneratorLoss(
        { loss: answerLoss(logits, batch), logits, steps: stepMaps(captures) },
        batch,
        part,
        fctx,
        programs,
      );
      return out;
    },
    programLoss: part ? (batch) => part.loss(batch) : undefined,
    dispose: () => {
      part?.generator.dispose();
      store.dispose();
    },
  };
  return adapter;
};
