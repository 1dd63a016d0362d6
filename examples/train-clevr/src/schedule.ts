import { type ModelSettings, modelSettings } from '@mmnet/trainer';

/**
 * The model the example trains by default, and its settings.
 *
 * PG is the default: IEP's module network on clevr-mini's ground-truth programs with module-net's attention modules
 * (`modules: 'attention'`), which learn from far fewer questions than the reference's residual modules (those stay
 * at the answer-type prior within the budget). The training time is capped with --max_minutes so that data build,
 * training and evaluation stay under 45 minutes on a quiet 2-core machine; the program generator's updates take
 * about a third of it (60 questions/s with the generator, 87 without). Every setting is an `mmnet train` flag or
 * model option, so any of them can be overridden. Measured runs of each recipe: results/train-clevr.md.
 */
export const DEFAULT_MODEL = 'PG';

/**
 * `mmnet train` settings per model for clevr-mini: the trainer's `modelSettings` with the example's paths, seed,
 * validation size and time budget; any flag given on the command line overrides them.
 */
export function defaultTrainArgs(
  model: string,
  paths: { model: string; clevr_dataset: string; clevr_val_images: string; out: string },
): ModelSettings {
  const { args, modelConfig } = modelSettings(model);
  return {
    args: { ...paths, seed: '0', num_val_samples: '1000', max_minutes: '32', ...args },
    modelConfig,
  };
}
