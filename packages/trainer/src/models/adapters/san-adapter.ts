import { createSAN, createSANWordByWord, SANConfigSchema } from '@mmnet/san';
import { imageModelConfigInput, type ModelAdapter, type ModelContext } from '../model-adapter.js';
import { answerLoss, featureTensor, questionTensor } from './classification-loss.js';

function sanAdapter(name: 'SAN' | 'SAN_wbw', ctx: ModelContext): ModelAdapter {
  const config = SANConfigSchema.parse(imageModelConfigInput(ctx));
  const { model, store } =
    name === 'SAN' ? createSAN(config, ctx.vocab) : createSANWordByWord(config, ctx.vocab);
  return {
    name,
    store,
    config,
    groups: { programGenerator: [], executor: ['stem', 'question', 'attention', 'classifier'] },
    forward(batch, fctx) {
      const questions = questionTensor(batch);
      const out = model.forward(featureTensor(batch), questions);
      return {
        loss: answerLoss(out.logits, batch),
        logits: out.logits,
        attention: fctx.training ? undefined : out.attention,
      };
    },
    dispose: () => store.dispose(),
  };
}

/** SAN (@mmnet/san): stacked attention over the stem features, driven by an LSTM question encoding. */
export const createSanAdapter = (ctx: ModelContext) => sanAdapter('SAN', ctx);
/** SAN word by word (@mmnet/san): one attention hop per question word. */
export const createSanWbwAdapter = (ctx: ModelContext) => sanAdapter('SAN_wbw', ctx);
