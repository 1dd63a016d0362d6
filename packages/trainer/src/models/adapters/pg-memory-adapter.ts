import { tf } from '@mmnet/core-tensors';
import { createModuleMemoryNetwork, ModuleMemoryNetworkConfigSchema } from '@mmnet/mm-net';
import { imageModelConfigInput, type ModelAdapter, type ModelFactory } from '../model-adapter.js';
import { answerLoss, featureTensor, requirePrograms } from './classification-loss.js';

/** PG_memory (@mmnet/mm-net): module weights read from unary/binary memory banks by the ground-truth program. */
export const createPgMemoryAdapter: ModelFactory = (ctx) => {
  const config = ModuleMemoryNetworkConfigSchema.parse(imageModelConfigInput(ctx));
  const { model, store } = createModuleMemoryNetwork(config, ctx.vocab);
  const labels = [...model.unaryTokens, ...model.binaryTokens];
  const adapter: ModelAdapter = {
    name: 'PG_memory',
    store,
    config,
    groups: { programGenerator: [], executor: ['stem', 'memory', 'modules', 'classifier'] },
    addressingLabels: labels,
    forward(batch, fctx) {
      const out = model.forward(featureTensor(batch), requirePrograms(batch, 'PG_memory'));
      const result: ReturnType<ModelAdapter['forward']> = {
        loss: answerLoss(out.logits, batch),
        logits: out.logits,
      };
      if (!fctx.training) {
        // [B, steps, unary rows + binary rows]
        const { unary, binary } = out.addressing;
        const u = tf.tensor3d(unary.values, [unary.batch, unary.steps, unary.rowNames.length]);
        const b = tf.tensor3d(binary.values, [binary.batch, binary.steps, binary.rowNames.length]);
        result.addressing = tf.concat([u, b], 2);
      }
      return result;
    },
    dispose: () => store.dispose(),
  };
  return adapter;
};
