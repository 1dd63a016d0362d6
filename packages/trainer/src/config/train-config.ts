import { TRAIN_MODES } from '@mmnet/mm-net';
import { DECODER_MODES } from '@mmnet/program-decoders';
import { z } from 'zod';
import { cliBoolean, cliInt, cliNumber, type OptionSpec } from '../cli/options.js';
import { LR_SCHEDULES } from '../training/lr-schedule.js';

export const MODEL_NAMES = ['SAN', 'SAN_wbw', 'PG', 'PG_memory', 'PG_endtoend'] as const;
export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;

// The modes are defined where the models use them; the trainer's flags and the examples take them from here.
export { TRAIN_MODES, type TrainMode } from '@mmnet/mm-net';
export { DECODER_MODES, type DecoderMode } from '@mmnet/program-decoders';
/** PG_endtoend's executors: the differentiable stack layout (learns from answers alone) or the decoded tree. */
export const EXECUTOR_KINDS = ['stack', 'tree'] as const;
export type ExecutorKind = (typeof EXECUTOR_KINDS)[number];
/** The named multi-stage recipes of `mmnet train --recipe` (src/recipes/). */
export const RECIPES = ['weak-supervision'] as const;
export type RecipeName = (typeof RECIPES)[number];

const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `must be one of ${values.join(', ')}` });

/**
 * The configuration of `mmnet train`: the reference's options under the reference's names (snake_case), plus
 * mmnet's own. The same keys are accepted in a --config JSON file; command-line flags override the file.
 */
export const trainConfigSchema = z
  .object({
    model: z.string().min(1).default('SAN'),
    question_size: cliInt().optional(),
    stem_dim: cliInt().default(64),
    n_channel: cliInt().optional(),
    batch_size: cliInt().default(32),
    min_grad: cliNumber().default(-5),
    max_grad: cliNumber().default(5),
    load_model_path: z.string().min(1).optional(),
    load_model_mode: oneOf(TRAIN_MODES).default('PG+EE'),
    save_model: z.string().min(1).optional(),
    clevr_dataset: z.string().min(1).default('data'),
    clevr_val_images: z.string().min(1).optional(),
    num_iterations: cliInt().default(200),
    num_val_samples: cliInt().default(1000),
    batch_multiplier: cliInt().default(1),
    train_mode: oneOf(TRAIN_MODES).default('PG+EE'),
    decoder_mode: oneOf(DECODER_MODES).default('soft'),
    use_curriculum: cliBoolean().default(false),
    /** PG_endtoend: `stack` (a soft layout over the memory, differentiable) or `tree` (the decoded program's tree). */
    executor: oneOf(EXECUTOR_KINDS).default('stack'),
    /** A named recipe: several runs in folders of --out, each from the previous one's checkpoint. */
    recipe: oneOf(RECIPES).optional(),
    /**
     * Weak supervision (--train_mode PG only): the program generator learns, by teacher forcing, from the
     * ground-truth programs of this fraction of the training questions (a seeded choice), and sees only them.
     */
    program_supervision_fraction: cliNumber()
      .refine((v) => v > 0 && v <= 1, 'must be in (0, 1]')
      .optional(),
    /**
     * Updates over which the pool of training questions grows from the shortest 10 % (in words) to all of them
     * (data/question-length-curriculum.ts); 0: off. It needs no program label.
     */
    question_length_curriculum: cliInt(0).default(0),
    seed: cliInt(0).default(0),
    lr: cliNumber()
      .refine((v) => v > 0, 'must be > 0')
      .default(5e-4),
    /** Learning rate of the program generator's optimiser (default: --lr). */
    pg_lr: cliNumber()
      .refine((v) => v > 0, 'must be > 0')
      .optional(),
    /** Learning-rate schedule of both optimisers (training/lr-schedule.ts), warmup iterations, final factor. */
    lr_schedule: oneOf(LR_SCHEDULES).default('constant'),
    lr_warmup: cliInt(0).default(0),
    lr_final_factor: cliNumber()
      .refine((v) => v >= 0 && v <= 1, 'must be in [0, 1]')
      .default(0.05),
    max_epochs: cliNumber()
      .refine((v) => v > 0, 'must be > 0')
      .default(10),
    max_iterations: cliInt().optional(),
    /** Stop after this many minutes of training (then validate, checkpoint and report as at the end). */
    max_minutes: cliNumber()
      .refine((v) => v > 0, 'must be > 0')
      .optional(),
    backend: oneOf(BACKENDS).optional(),
    out: z.string().min(1).default('runs/latest'),
    /** Validation samples shown in the report and TensorBoard images. */
    report_samples: cliInt(0).default(12),
    /** Extra model settings passed to the model package's own schema (JSON config only). */
    model_config: z.record(z.string(), z.unknown()).default({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (!(c.min_grad < c.max_grad)) {
      ctx.addIssue({
        code: 'custom',
        path: ['min_grad'],
        message: `must be below --max_grad (${c.max_grad})`,
      });
    }
    if (c.recipe === 'weak-supervision') {
      if (c.model !== 'PG_endtoend')
        ctx.addIssue({
          code: 'custom',
          path: ['recipe'],
          message: `needs --model PG_endtoend (got ${c.model})`,
        });
      if (c.program_supervision_fraction === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['recipe'],
          message:
            'needs --program_supervision_fraction (the share of the programs the generator learns from)',
        });
    } else if (c.program_supervision_fraction !== undefined && c.train_mode !== 'PG') {
      ctx.addIssue({
        code: 'custom',
        path: ['program_supervision_fraction'],
        message: `needs --train_mode PG (got ${c.train_mode}): it chooses the programs the program generator learns from`,
      });
    }
  });

export type TrainConfig = z.output<typeof trainConfigSchema>;
export type TrainConfigInput = z.input<typeof trainConfigSchema>;

/** --backend, shared by every mmnet command. */
export const BACKEND_OPTION: OptionSpec = {
  flag: '--backend',
  key: 'backend',
  value: 'NAME',
  kind: 'string',
  description: `tfjs backend: ${BACKENDS.join('|')}`,
  defaultText: 'fastest available',
};

/** The flags of `mmnet train`, in --help order. */
export const TRAIN_OPTIONS: OptionSpec[] = [
  {
    flag: '--model',
    key: 'model',
    value: 'NAME',
    kind: 'string',
    description: `model: ${MODEL_NAMES.join('|')}`,
    defaultText: 'SAN',
  },
  {
    flag: '--question_size',
    key: 'question_size',
    value: 'N',
    kind: 'integer',
    description: 'question vocabulary size',
    defaultText: 'from the vocab',
  },
  {
    flag: '--stem-dim',
    key: 'stem_dim',
    value: 'N',
    kind: 'integer',
    description: 'channels of the stem / module features',
    defaultText: '64',
  },
  {
    flag: '--n-channel',
    key: 'n_channel',
    value: 'N',
    kind: 'integer',
    description: 'channels of the image features',
    defaultText: 'from the feature file',
  },
  {
    flag: '--batch_size',
    key: 'batch_size',
    value: 'N',
    kind: 'integer',
    description: 'questions per batch',
    defaultText: '32',
  },
  {
    flag: '--min_grad',
    key: 'min_grad',
    value: 'X',
    kind: 'number',
    description: 'gradients are clipped to >= X',
    defaultText: '-5',
  },
  {
    flag: '--max_grad',
    key: 'max_grad',
    value: 'X',
    kind: 'number',
    description: 'gradients are clipped to <= X',
    defaultText: '5',
  },
  {
    flag: '--load_model_path',
    key: 'load_model_path',
    value: 'FILE',
    kind: 'string',
    description: 'start from the weights of this checkpoint (.safetensors)',
  },
  {
    flag: '--load_model_mode',
    key: 'load_model_mode',
    value: 'EE|PG|PG+EE',
    kind: 'string',
    description: 'which parts of --load_model_path to load',
    defaultText: 'PG+EE',
  },
  {
    flag: '--save_model',
    key: 'save_model',
    value: 'FILE',
    kind: 'string',
    description: 'also write the best model to FILE (.safetensors)',
    defaultText: 'OUT/best.safetensors only',
  },
  {
    flag: '--clevr_dataset',
    key: 'clevr_dataset',
    value: 'DIR',
    kind: 'string',
    description: 'folder with vocab.json, train_/val_questions.h5, train_/val_features.h5',
    defaultText: 'data',
  },
  {
    flag: '--clevr_val_images',
    key: 'clevr_val_images',
    value: 'DIR',
    kind: 'string',
    description: 'validation PNGs (row order of val_features.h5), shown in the report',
  },
  {
    flag: '--num_iterations',
    key: 'num_iterations',
    value: 'N',
    kind: 'integer',
    description: 'validate and checkpoint every N iterations',
    defaultText: '200',
  },
  {
    flag: '--num_val_samples',
    key: 'num_val_samples',
    value: 'N',
    kind: 'integer',
    description: 'validation questions used',
    defaultText: '1000',
  },
  {
    flag: '--batch_multiplier',
    key: 'batch_multiplier',
    value: 'N',
    kind: 'integer',
    description: 'batches whose gradients are accumulated per update',
    defaultText: '1',
  },
  {
    flag: '--question_length_curriculum',
    key: 'question_length_curriculum',
    value: 'N',
    kind: 'integer',
    description: 'updates over which the training questions grow from the shortest 10 % (in words) to all',
    defaultText: '0 (off)',
  },
  {
    flag: '--train_mode',
    key: 'train_mode',
    value: 'EE|PG|PG+EE',
    kind: 'string',
    description: 'what learns: executor, program generator, or both',
    defaultText: 'PG+EE',
  },
  {
    flag: '--decoder_mode',
    key: 'decoder_mode',
    value: 'MODE',
    kind: 'string',
    description: `program decoder: ${DECODER_MODES.join('|')}`,
    defaultText: 'soft',
  },
  {
    flag: '--executor',
    key: 'executor',
    value: 'stack|tree',
    kind: 'string',
    description:
      'PG_endtoend executor: stack (a differentiable layout over the module memory) or tree (the decoded program)',
    defaultText: 'stack',
  },
  {
    flag: '--use_curriculum',
    key: 'use_curriculum',
    kind: 'boolean',
    description: 'grow the maximum program length during training',
    defaultText: 'off',
  },
  {
    flag: '--recipe',
    key: 'recipe',
    value: 'NAME',
    kind: 'string',
    description: `run a named recipe (${RECIPES.join('|')}): its stages train one after another in folders of --out, each from the last one's checkpoint; rerun the same command to resume`,
    defaultText: 'none',
  },
  {
    flag: '--program_supervision_fraction',
    key: 'program_supervision_fraction',
    value: 'F',
    kind: 'number',
    description:
      'with --train_mode PG (or --recipe weak-supervision): the program generator learns from the ground-truth programs of a seeded fraction F of the training questions only',
    defaultText: 'off',
  },
  {
    flag: '--config',
    key: 'config',
    value: 'FILE',
    kind: 'string',
    description: 'JSON file with any of these options (flags override it)',
  },
  {
    flag: '--seed',
    key: 'seed',
    value: 'N',
    kind: 'integer',
    description: 'seed of every random choice',
    defaultText: '0',
  },
  {
    flag: '--lr',
    key: 'lr',
    value: 'X',
    kind: 'number',
    description: 'Adam learning rate',
    defaultText: '5e-4',
  },
  {
    flag: '--pg_lr',
    key: 'pg_lr',
    value: 'X',
    kind: 'number',
    description: 'learning rate of the program generator',
    defaultText: '--lr',
  },
  {
    flag: '--lr_schedule',
    key: 'lr_schedule',
    value: 'NAME',
    kind: 'string',
    description: `learning rate after warmup: ${LR_SCHEDULES.join('|')} (decays over the iterations, or over the minutes when --max_minutes ends the run first; a resumed run continues its decay)`,
    defaultText: 'constant',
  },
  {
    flag: '--lr_warmup',
    key: 'lr_warmup',
    value: 'N',
    kind: 'integer',
    description: 'iterations of linear learning-rate warmup',
    defaultText: '0',
  },
  {
    flag: '--lr_final_factor',
    key: 'lr_final_factor',
    value: 'X',
    kind: 'number',
    description: 'learning rate at the end of a decaying schedule, as a factor of --lr',
    defaultText: '0.05',
  },
  {
    flag: '--max-epochs',
    key: 'max_epochs',
    value: 'N',
    kind: 'number',
    description: 'stop after N epochs (fractions allowed)',
    defaultText: '10',
  },
  {
    flag: '--max_iterations',
    key: 'max_iterations',
    value: 'N',
    kind: 'integer',
    description: 'stop after N iterations',
  },
  {
    flag: '--max_minutes',
    key: 'max_minutes',
    value: 'X',
    kind: 'number',
    description: 'stop after X minutes of training (validating and checkpointing first)',
  },
  BACKEND_OPTION,
  {
    flag: '--out',
    key: 'out',
    value: 'DIR',
    kind: 'string',
    description: 'run folder: checkpoints, metrics, events, report',
    defaultText: 'runs/latest',
  },
  {
    flag: '--resume',
    key: 'resume',
    value: 'DIR',
    kind: 'string',
    description: 'continue the run in DIR exactly where it stopped',
  },
  {
    flag: '--report_samples',
    key: 'report_samples',
    value: 'N',
    kind: 'integer',
    description: 'validation samples shown in the report',
    defaultText: '12',
  },
  { flag: '--help', key: 'help', kind: 'boolean', description: 'print this help' },
];

/** Options that may accompany --resume (everything else comes from the run's checkpoint). */
export const RESUME_OVERRIDABLE = ['max_epochs', 'max_iterations', 'max_minutes', 'backend'] as const;
