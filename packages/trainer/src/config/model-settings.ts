/**
 * The settings each built-in model learns CLEVR-like data well with on a CPU at clevr-mini's scale (64-channel
 * features): the `mmnet train` flags and the `model_config` of its --config file. The train-clevr example, the
 * web demo's model and the experiments start from them.
 */

/** `mmnet train` flags (snake_case names, string values) and the `model_config` (model sizes) of a model. */
export interface ModelSettings {
  args: Record<string, string>;
  modelConfig: Record<string, unknown>;
}

/** The answer classifier of module-net's attention modules at 64 channels. */
const ATTENTION_CLASSIFIER = { projDim: 64, hiddenDim: 128, poolSize: 14 };

/**
 * module-net's attention modules, the executor of PG, PG_memory and PG_endtoend: a 1x1 stem with coordinate
 * channels (relate modules read where a cell and the selection are) and 8 count filters (answer modules count
 * objects, not the area they cover), with `classifier` sizing the answer classifier.
 */
export function attentionModulesConfig(
  classifier: Record<string, number> = ATTENTION_CLASSIFIER,
): Record<string, unknown> {
  return { modules: 'attention', stemKernelSize: 1, coordinates: true, countFilters: 8, classifier };
}

/** clevr-iep's seq2seq program generator (`model_config.programGenerator`): LSTM 128, word vectors 64. */
export const PROGRAM_GENERATOR_CONFIG = {
  encoderWordvecDim: 64,
  decoderWordvecDim: 64,
  hiddenDim: 128,
  numLayers: 1,
};

/** SAN's sizes: a 1x1 stem, attention 128, a classifier with one hidden layer of 256. */
export const SAN_CONFIG = {
  wordEmbedDim: 64,
  attentionDim: 128,
  classifierHidden: 256,
  rnnLayers: 1,
  stemKernelSize: 1,
};

/** The settings of `model` (SAN and SAN_wbw share SAN's; every other model gets the attention modules'). */
export function modelSettings(model: string): ModelSettings {
  if (model === 'SAN' || model === 'SAN_wbw') {
    return {
      // The time budget ends the run, not the epochs. A 1x1 stem and batch 128 buy questions per minute; a cosine
      // decay settles the last minutes.
      args: {
        stem_dim: '64',
        batch_size: '128',
        lr: '4e-3',
        lr_schedule: 'cosine',
        lr_final_factor: '0.05',
        max_epochs: '40',
        num_iterations: '75',
      },
      modelConfig: SAN_CONFIG,
    };
  }
  const args = { stem_dim: '64', batch_size: '64', lr: '2e-3', max_epochs: '20', num_iterations: '150' };
  const attention = attentionModulesConfig();
  // PG and PG_memory also carry the program generator, trained by teacher forcing on the same batches'
  // ground-truth programs (one generator update per executor update, its own Adam at --pg_lr), so their runs
  // answer questions in words. PG_endtoend learns it through its curriculum.
  if (model !== 'PG_endtoend') {
    return {
      args: { ...args, pg_lr: '3e-3' },
      modelConfig: { ...attention, programGenerator: PROGRAM_GENERATOR_CONFIG },
    };
  }
  return {
    args: { ...args, use_curriculum: '1' },
    modelConfig: { executor: attention, programGenerator: PROGRAM_GENERATOR_CONFIG },
  };
}
