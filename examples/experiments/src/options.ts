import { DECODER_MODES, type OptionSpec } from '@mmnet/trainer';
import { z } from 'zod';
import { DEFAULT_HOURS } from './plan.js';

/** Longest training budget allowed per model (hours). */
export const MAX_HOURS_PER_MODEL = 8;

export const EXPERIMENT_OPTIONS: OptionSpec[] = [
  {
    flag: '--smoke',
    key: 'smoke',
    kind: 'boolean',
    description:
      'everything end to end on clevr-micro with tiny models, seconds per run (results in --runs-dir)',
  },
  {
    flag: '--hours-per-model',
    key: 'hours_per_model',
    value: 'H',
    kind: 'number',
    description: `training time budget of every selected experiment (weak supervision: both stages together), at most ${MAX_HOURS_PER_MODEL}`,
    defaultText: `each experiment's own: ${Object.entries(DEFAULT_HOURS)
      .map(([group, h]) => `${group} ${h}`)
      .join(', ')} (smoke: 0.01)`,
  },
  {
    flag: '--only',
    key: 'only',
    value: 'IDS',
    kind: 'string',
    description: 'comma-separated experiment ids to train now (the results include every finished one)',
  },
  {
    flag: '--list',
    key: 'list',
    kind: 'boolean',
    description: 'print the experiments and their state, then stop',
  },
  {
    flag: '--weak-decoder-modes',
    key: 'weak_decoder_modes',
    value: 'MODES',
    kind: 'string',
    description: `decoder modes of the weak-supervision answer stage, comma-separated (${DECODER_MODES.join('|')})`,
    defaultText: 'hard',
  },
  {
    flag: '--seed',
    key: 'seed',
    value: 'N',
    kind: 'integer',
    description: 'seed of every run',
    defaultText: '0',
  },
  {
    flag: '--data-dir',
    key: 'data_dir',
    value: 'DIR',
    kind: 'string',
    description: 'cache of the generated dataset',
    defaultText: 'examples/experiments/data',
  },
  {
    flag: '--runs-dir',
    key: 'runs_dir',
    value: 'DIR',
    kind: 'string',
    description: 'one folder per experiment (checkpoints, metrics, state)',
    defaultText: 'examples/experiments/runs (smoke: runs/smoke)',
  },
  {
    flag: '--results-dir',
    key: 'results_dir',
    value: 'DIR',
    kind: 'string',
    description: 'where results.json, results.md and the PNGs go',
    defaultText: 'results (smoke: RUNS-DIR/results)',
  },
  {
    flag: '--readme',
    key: 'readme',
    value: 'FILE',
    kind: 'string',
    description: 'README whose results section is regenerated ("none" for no README)',
    defaultText: 'README.md (smoke: none)',
  },
  {
    flag: '--backend',
    key: 'backend',
    value: 'NAME',
    kind: 'string',
    description: 'tfjs backend for every run',
  },
  { flag: '--help', key: 'help', kind: 'boolean', description: 'print this help' },
];

const cliNumber = z.preprocess(
  (v) => (typeof v === 'string' ? Number(v) : v),
  z.number({ error: 'must be a number' }),
);

export const experimentOptionsSchema = z
  .object({
    smoke: z.boolean().default(false),
    hours_per_model: cliNumber
      .refine((h) => h > 0 && h <= MAX_HOURS_PER_MODEL, `must be > 0 and at most ${MAX_HOURS_PER_MODEL}`)
      .optional(),
    only: z
      .string()
      .transform((s) =>
        s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
      )
      .optional(),
    list: z.boolean().default(false),
    weak_decoder_modes: z
      .string()
      .transform((s) => s.split(',').map((x) => x.trim()))
      .pipe(z.array(z.enum(DECODER_MODES, { error: `must be among ${DECODER_MODES.join(', ')}` })).min(1))
      .default(['hard']),
    test_questions: cliNumber.pipe(z.number().int({ error: 'must be an integer' }).min(1)).optional(),
    seed: cliNumber.pipe(z.number().int({ error: 'must be an integer' }).min(0)).default(0),
    data_dir: z.string().min(1).optional(),
    runs_dir: z.string().min(1).optional(),
    results_dir: z.string().min(1).optional(),
    readme: z.string().min(1).optional(),
    backend: z.enum(['tensorflow', 'wasm', 'cpu'], { error: 'must be tensorflow, wasm or cpu' }).optional(),
    help: z.boolean().default(false),
  })
  .strict();
export type ExperimentOptions = z.output<typeof experimentOptionsSchema>;
