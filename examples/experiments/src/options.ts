import { backendFlag, flagInt, flagNumber, flagSwitch } from '@mmnet/core-tensors';
import { DECODER_MODES } from '@mmnet/trainer';
import { z } from 'zod';
import { DEFAULT_HOURS } from './plan.js';

/**
 * The generated datasets the experiments train on: clevr-small (the README's table) or clevr-medium (20,000
 * training images, for the models that memorise clevr-small's 4,000).
 */
export const EXPERIMENT_PRESETS = ['clevr-small', 'clevr-medium'] as const;

/** Longest training budget allowed per model (hours). */
export const MAX_HOURS_PER_MODEL = 8;

/** The flags of `pnpm experiments`, with their --help text. */
export const experimentOptionsSchema = z
  .object({
    smoke: flagSwitch().default(false).meta({
      description:
        'everything end to end on clevr-micro with tiny models, seconds per run (results in --runs-dir)',
    }),
    preset: z
      .enum(EXPERIMENT_PRESETS, { error: `must be one of ${EXPERIMENT_PRESETS.join(', ')}` })
      .optional()
      .meta({
        description:
          'the generated dataset to train on; other than clevr-small, runs and results go to folders of its name and the README is left alone',
        value: 'NAME',
        default: 'clevr-small (smoke: clevr-micro)',
      }),
    hours_per_model: flagNumber()
      .refine((h) => h > 0 && h <= MAX_HOURS_PER_MODEL, `must be > 0 and at most ${MAX_HOURS_PER_MODEL}`)
      .optional()
      .meta({
        description: `training time budget of every selected experiment (weak supervision: both stages together), at most ${MAX_HOURS_PER_MODEL}`,
        flag: 'hours-per-model',
        value: 'H',
        default: `each experiment's own: ${Object.entries(DEFAULT_HOURS)
          .map(([group, h]) => `${group} ${h}`)
          .join(', ')} (smoke: 0.01)`,
      }),
    only: z
      .string()
      .transform((s) =>
        s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
      )
      .optional()
      .meta({
        description: 'comma-separated experiment ids to train now (the results include every finished one)',
        value: 'IDS',
      }),
    list: flagSwitch()
      .default(false)
      .meta({ description: 'print the experiments and their state, then stop' }),
    weak_decoder_modes: z
      .string()
      .transform((s) => s.split(',').map((x) => x.trim()))
      .pipe(z.array(z.enum(DECODER_MODES, { error: `must be among ${DECODER_MODES.join(', ')}` })).min(1))
      .default(['hard'])
      .meta({
        description: `decoder modes of the weak-supervision answer stage, comma-separated (${DECODER_MODES.join('|')})`,
        flag: 'weak-decoder-modes',
        value: 'MODES',
      }),
    test_questions: flagInt(1).optional().meta({
      description: 'evaluate on the first N questions of the final split only',
      flag: 'test-questions',
    }),
    seed: flagInt(0).default(0).meta({ description: 'seed of every run' }),
    data_dir: z.string().min(1).optional().meta({
      description: 'cache of the generated dataset',
      flag: 'data-dir',
      value: 'DIR',
      default: 'examples/experiments/data',
    }),
    runs_dir: z.string().min(1).optional().meta({
      description: 'one folder per experiment (checkpoints, metrics, state)',
      flag: 'runs-dir',
      value: 'DIR',
      default: 'examples/experiments/runs (smoke: runs/smoke)',
    }),
    results_dir: z.string().min(1).optional().meta({
      description: 'where results.json, results.md and the PNGs go',
      flag: 'results-dir',
      value: 'DIR',
      default: 'results (smoke: RUNS-DIR/results)',
    }),
    readme: z.string().min(1).optional().meta({
      description: 'README whose results section is regenerated ("none" for no README)',
      value: 'FILE',
      default: 'README.md (smoke: none)',
    }),
    backend: backendFlag(),
  })
  .strict();
export type ExperimentOptions = z.output<typeof experimentOptionsSchema>;
