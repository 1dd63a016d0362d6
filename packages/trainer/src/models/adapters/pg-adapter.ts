import { createModuleNetwork, type ModuleNetworkConfig, ModuleNetworkConfigSchema } from '@mmnet/module-net';
import { imageModelConfigInput, type ModelAdapter, type ModelFactory } from '../model-adapter.js';
import { answerLoss, featureTensor, requirePrograms } from './classification-loss.js';

/** PG: the IEP execution engine (@mmnet/module-net) on ground-truth programs; all of it is "executor". */
export const createPgAdapter: ModelFactory = (ctx) => {
  const config: ModuleNetworkConfig = ModuleNetworkConfigSchema.parse(imageModelConfigInput(ctx));
  const { model, store } = createModuleNetwork(config, ctx.vocab);
  const adapter: ModelAdapter = {
    name: 'PG',
    store,
    config,
    groups: { programGenerator: [], executor: ['stem', 'modules', 'classifier'] },
    forward(batch) {
      const { logits } = model.forward(featureTensor(batch), requirePrograms(batch, 'PG'));
      return { loss: answerLoss(logits, batch), logits };
    },
    dispose: () => store.dispose(),
  };
  return adapter;
};
