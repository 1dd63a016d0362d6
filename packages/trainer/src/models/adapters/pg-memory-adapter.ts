import { tf } from '@mmnet/core-tensors';
import { createModuleMemoryNetwork, ModuleMemoryNetworkConfigSchema } from '@mmnet/mm-net';
import type { ForwardOutput, ModelFactory } from '../model-adapter.js';
import { answerLoss, featureTensor } from './classification-loss.js';
import { programExecutorAdapter, stepMaps } from './program-generator-part.js';

/**
 * PG_memory (@mmnet/mm-net): module weights read from unary/binary memory banks by the ground-truth program;
 * with `model_config.programGenerator`, also a seq2seq program generator whose programs it executes at
 * evaluation and prediction (as PG).
 */
export const createPgMemoryAdapter: ModelFactory = (ctx) =>
  programExecutorAdapter(ctx, (configInput) => {
    const config = ModuleMemoryNetworkConfigSchema.parse(configInput);
    const { model, store } = createModuleMemoryNetwork(config, ctx.vocab);
    return {
      name: 'PG_memory',
      store,
      config,
      executorPrefixes: ['stem', 'memory', 'modules', 'classifier'],
      addressingLabels: [...model.unaryTokens, ...model.binaryTokens],
      forward(batch, fctx, programs) {
        const out = model.forward(featureTensor(batch), programs, {
          capture: fctx.capture,
          training: fctx.training,
        });
        const result: ForwardOutput = {
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
        return result;
      },
    };
  });
