import { createModuleNetwork, ModuleNetworkConfigSchema } from '@mmnet/module-net';
import type { ModelFactory } from '../model-adapter.js';
import { answerLoss, featureTensor } from './classification-loss.js';
import { programExecutorAdapter, stepMaps } from './program-generator-part.js';

/**
 * PG: the IEP execution engine (@mmnet/module-net) on ground-truth programs ("executor"); with
 * `model_config.programGenerator`, also clevr-iep's seq2seq program generator, trained on the same programs,
 * whose programs it executes at evaluation and prediction.
 */
export const createPgAdapter: ModelFactory = (ctx) =>
  programExecutorAdapter(ctx, (configInput) => {
    const config = ModuleNetworkConfigSchema.parse(configInput);
    const { model, store } = createModuleNetwork(config, ctx.vocab);
    return {
      name: 'PG',
      store,
      config,
      executorPrefixes: ['stem', 'modules', 'classifier'],
      forward(batch, fctx, programs) {
        const { logits, captures } = model.forward(featureTensor(batch), programs, {
          capture: fctx.capture,
          training: fctx.training,
        });
        return { loss: answerLoss(logits, batch), logits, steps: stepMaps(captures) };
      },
    };
  });
