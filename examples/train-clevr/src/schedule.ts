/**
 * The model the example trains by default, and its settings.
 *
 * PG is the default: IEP's module network on clevr-mini's ground-truth programs with module-net's attention modules
 * (`modules: 'attention'`), which learn from far fewer questions than the reference's residual modules (those stay
 * at the answer-type prior within the budget). The training time is capped with --max_minutes so that data build,
 * training and evaluation stay under 45 minutes on a quiet 2-core machine. Every setting is an `mmnet train` flag or model
 * option, so any of them can be overridden. Measured runs of each recipe: results/train-clevr.md.
 */
export const DEFAULT_MODEL = 'PG';

/** The seq2seq program generator's sizes (`model_config.programGenerator`). */
const PROGRAM_GENERATOR = { encoderWordvecDim: 64, decoderWordvecDim: 64, hiddenDim: 128, numLayers: 1 };

export interface TrainDefaults {
  /** `mmnet train` flags (snake_case names). */
  args: Record<string, string>;
  /** `model_config` of the --config file the example writes (sizes the model packages take). */
  modelConfig: Record<string, unknown>;
}

/** `mmnet train` settings per model for clevr-mini; any flag given on the command line overrides them. */
export function defaultTrainArgs(
  model: string,
  paths: { model: string; clevr_dataset: string; clevr_val_images: string; out: string },
): TrainDefaults {
  const common = { ...paths, seed: '0', num_val_samples: '1000', max_minutes: '32' };
  switch (model) {
    case 'SAN':
    case 'SAN_wbw':
      return {
        args: {
          ...common,
          stem_dim: '64',
          batch_size: '128',
          lr: '4e-3',
          lr_schedule: 'cosine',
          lr_final_factor: '0.05',
          // The time budget ends the run, not the epochs. A 1x1 stem and batch 128 buy questions per minute (SAN
          // learns at the same rate per question with a 3x3 stem or batch 64); a cosine decay settles the last minutes.
          max_epochs: '40',
          num_iterations: '75',
        },
        modelConfig: {
          wordEmbedDim: 64,
          attentionDim: 128,
          classifierHidden: 256,
          rnnLayers: 1,
          stemKernelSize: 1,
        },
      };
    default: {
      // PG, PG_memory and PG_endtoend: attention modules (the memory networks read them from their memories).
      const args = {
        ...common,
        stem_dim: '64',
        batch_size: '64',
        lr: '2e-3',
        max_epochs: '20',
        num_iterations: '150',
      };
      // Coordinate channels (relate modules read where the selection is) and 8 count filters (answer modules count
      // objects, not the area they cover): with them this example reaches 0.89 on val instead of 0.77.
      const attention = {
        modules: 'attention',
        stemKernelSize: 1,
        coordinates: true,
        countFilters: 8,
        classifier: { projDim: 64, hiddenDim: 128, poolSize: 14 },
      };
      // PG and PG_memory also carry clevr-iep's seq2seq program generator, trained by teacher forcing on the same
      // batches' ground-truth programs (one generator update per executor update, its own Adam at --pg_lr), so the
      // run answers questions in words: evaluation and `mmnet predict` execute the generator's programs. Sizes and
      // learning rate of program-decoders' scripts/train-supervised.ts (LSTM 128, word vectors 64). Its updates
      // take about a quarter of the training time, so the executor sees ~115,000 questions in the 32 minutes.
      if (model !== 'PG_endtoend')
        return {
          args: { ...args, pg_lr: '3e-3' },
          modelConfig: { ...attention, programGenerator: PROGRAM_GENERATOR },
        };
      return {
        args: { ...args, use_curriculum: '1' },
        modelConfig: {
          executor: attention,
          programGenerator: PROGRAM_GENERATOR,
        },
      };
    }
  }
}
