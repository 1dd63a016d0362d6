/**
 * The model the example trains by default, and its settings.
 *
 * SAN is the default: on a CPU it is by far the cheapest model per question (one small stem, an LSTM and three
 * attention hops, against one residual conv module per program token for PG / PG_memory), and it needs no
 * programs. The reference's PG recipe sat at the answer-type prior for 50 minutes on this kind of machine
 * (shared/design/environment.md); on clevr-mini PG trained at ~6 questions/s (loaded machine), i.e. not even
 * one epoch in the budget. The training time is capped with --max_minutes so that the whole run (data build,
 * training, evaluation) stays under 45 minutes whatever the machine's speed.
 */
export const DEFAULT_MODEL = 'SAN';

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
  const common = { ...paths, seed: '0', num_val_samples: '1000', max_minutes: '28' };
  switch (model) {
    case 'SAN':
    case 'SAN_wbw':
      return {
        args: {
          ...common,
          stem_dim: '64',
          batch_size: '64',
          lr: '2e-3',
          max_epochs: '20',
          num_iterations: '150',
        },
        modelConfig: { wordEmbedDim: 64, attentionDim: 128, classifierHidden: 256, rnnLayers: 1 },
      };
    case 'PG_endtoend':
      return {
        args: {
          ...common,
          stem_dim: '32',
          batch_size: '32',
          lr: '1e-3',
          max_epochs: '5',
          num_iterations: '150',
          use_curriculum: '1',
        },
        modelConfig: {
          executor: { classifier: { projDim: 64, hiddenDim: 128 } },
          programGenerator: { encoderWordvecDim: 64, decoderWordvecDim: 64, hiddenDim: 128, numLayers: 1 },
        },
      };
    default:
      return {
        args: {
          ...common,
          stem_dim: '32',
          batch_size: '32',
          lr: '1e-3',
          max_epochs: '5',
          num_iterations: '150',
        },
        modelConfig: { classifier: { projDim: 64, hiddenDim: 128 } },
      };
  }
}
