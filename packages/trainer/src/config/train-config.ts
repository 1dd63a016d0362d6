import { backendFlag, flagInt, flagNumber, flagSwitch } from '@mmnet/core-tensors';
import { TRAIN_MODES } from '@mmnet/mm-net';
import { DECODER_MODES } from '@mmnet/program-decoders';
import { z } from 'zod';
import { LR_SCHEDULES } from '../training/lr-schedule.js';

export const MODEL_NAMES = ['SAN', 'SAN_wbw', 'PG', 'PG_memory', 'PG_endtoend'] as const;

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
 * The fields of `mmnet train`'s configuration: the reference's options under the reference's names (snake_case),
 * plus mmnet's own, each with its --help text. The same keys are accepted in a --config JSON file.
 */
const trainConfigFields = {
  model: z
    .string()
    .min(1)
    .default('SAN')
    .meta({ description: `model: ${MODEL_NAMES.join('|')}`, value: 'NAME' }),
  question_size: flagInt(1)
    .optional()
    .meta({ description: 'question vocabulary size', default: 'from the vocab' }),
  stem_dim: flagInt(1)
    .default(64)
    .meta({ description: 'channels of the stem / module features', flag: 'stem-dim' }),
  n_channel: flagInt(1).optional().meta({
    description: 'channels of the image features',
    flag: 'n-channel',
    default: 'from the feature file',
  }),
  batch_size: flagInt(1).default(32).meta({ description: 'questions per batch' }),
  min_grad: flagNumber().default(-5).meta({ description: 'gradients are clipped to >= X' }),
  max_grad: flagNumber().default(5).meta({ description: 'gradients are clipped to <= X' }),
  load_model_path: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'start from the weights of this checkpoint (.safetensors)', value: 'FILE' }),
  load_model_mode: oneOf(TRAIN_MODES)
    .default('PG+EE')
    .meta({ description: 'which parts of --load_model_path to load' }),
  save_model: z.string().min(1).optional().meta({
    description: 'also write the best model to FILE (.safetensors)',
    value: 'FILE',
    default: 'OUT/best.safetensors only',
  }),
  clevr_dataset: z.string().min(1).default('data').meta({
    description: 'folder with vocab.json, train_/val_questions.h5, train_/val_features.h5',
    value: 'DIR',
  }),
  clevr_val_images: z.string().min(1).optional().meta({
    description: 'validation PNGs (row order of val_features.h5), shown in the report',
    value: 'DIR',
  }),
  num_iterations: flagInt(1).default(200).meta({ description: 'validate and checkpoint every N iterations' }),
  num_val_samples: flagInt(1).default(1000).meta({ description: 'validation questions used' }),
  batch_multiplier: flagInt(1)
    .default(1)
    .meta({ description: 'batches whose gradients are accumulated per update' }),
  train_mode: oneOf(TRAIN_MODES)
    .default('PG+EE')
    .meta({ description: 'what learns: executor, program generator, or both' }),
  decoder_mode: oneOf(DECODER_MODES).default('soft').meta({ description: 'program decoder' }),
  use_curriculum: flagSwitch()
    .default(false)
    .meta({ description: 'grow the maximum program length during training' }),
  greedy_programs: flagSwitch().default(false).meta({
    description:
      "hard and gumbel modes: train on the most likely programs, as evaluation runs them (no sample, no REINFORCE); the stack executor's controller still learns from the answers through its control vector",
  }),
  executor: oneOf(EXECUTOR_KINDS).default('stack').meta({
    description:
      'PG_endtoend executor: stack (a differentiable layout over the module memory) or tree (the decoded program)',
  }),
  recipe: oneOf(RECIPES).optional().meta({
    description:
      "run a named recipe: its stages train one after another in folders of --out, each from the last one's checkpoint; rerun the same command to resume",
    default: 'none',
  }),
  program_supervision_fraction: flagNumber()
    .refine((v) => v > 0 && v <= 1, 'must be in (0, 1]')
    .optional()
    .meta({
      description:
        'with --train_mode PG (or --recipe weak-supervision): the program generator learns, by teacher forcing, from the ground-truth programs of a seeded fraction F of the training questions only',
      value: 'F',
      default: 'off',
    }),
  program_loss_weight: flagNumber()
    .refine((v) => v >= 0, 'must be >= 0')
    .default(0)
    .meta({
      description:
        "with --program_supervision_fraction: every update learns from the answers of all training questions and adds W times the program loss of a batch of the supervised ones (Stack-NMN's layout loss), instead of learning from the programs alone",
      value: 'W',
      default: 'off',
    }),
  pseudo_program_min_log_prob: flagNumber()
    .refine((v) => v <= 0, 'must be <= 0 (a log-probability)')
    .optional()
    .meta({
      description:
        'self-training, with --program_supervision_fraction and --load_model_path: the loaded program generator labels the other training questions with its most likely whole program, and those it gives a log-probability of at least L join the supervised ones with that program',
      value: 'L',
      default: 'off',
    }),
  question_length_curriculum: flagInt(0).default(0).meta({
    description:
      'the first N updates draw their batches from the shortest questions (in words), a pool growing from the shortest 10 % to all of them; needs no program label',
    value: 'N',
    default: 'off',
  }),
  seed: flagInt(0).default(0).meta({ description: 'seed of every random choice' }),
  lr: flagNumber()
    .refine((v) => v > 0, 'must be > 0')
    .default(5e-4)
    .meta({ description: 'Adam learning rate' }),
  pg_lr: flagNumber()
    .refine((v) => v > 0, 'must be > 0')
    .optional()
    .meta({ description: 'learning rate of the program generator', default: '--lr' }),
  lr_schedule: oneOf(LR_SCHEDULES).default('constant').meta({
    description:
      'learning rate after warmup (decays over the iterations, or over the minutes when --max_minutes ends the run first; a resumed run continues its decay)',
  }),
  lr_warmup: flagInt(0).default(0).meta({ description: 'iterations of linear learning-rate warmup' }),
  lr_final_factor: flagNumber()
    .refine((v) => v >= 0 && v <= 1, 'must be in [0, 1]')
    .default(0.05)
    .meta({ description: 'learning rate at the end of a decaying schedule, as a factor of --lr' }),
  max_epochs: flagNumber()
    .refine((v) => v > 0, 'must be > 0')
    .default(10)
    .meta({ description: 'stop after N epochs (fractions allowed)', flag: 'max-epochs' }),
  max_iterations: flagInt(1).optional().meta({ description: 'stop after N iterations' }),
  max_minutes: flagNumber()
    .refine((v) => v > 0, 'must be > 0')
    .optional()
    .meta({ description: 'stop after X minutes of training (validating and checkpointing first)' }),
  backend: backendFlag(),
  out: z
    .string()
    .min(1)
    .default('runs/latest')
    .meta({ description: 'run folder: checkpoints, metrics, events, report', value: 'DIR' }),
  report_samples: flagInt(0).default(12).meta({ description: 'validation samples shown in the report' }),
  /** Extra model settings passed to the model package's own schema (JSON config only, not a flag). */
  model_config: z.record(z.string(), z.unknown()).default({}),
};

/** The configuration of `mmnet train`, from flags, a --config JSON file or a checkpoint's metadata. */
export const trainConfigSchema = z
  .object(trainConfigFields)
  .strict()
  .superRefine((c, ctx) => {
    if (!(c.min_grad < c.max_grad)) {
      ctx.addIssue({
        code: 'custom',
        path: ['min_grad'],
        message: `must be below --max_grad (${c.max_grad})`,
      });
    }
    if (c.greedy_programs && c.decoder_mode === 'soft')
      ctx.addIssue({
        code: 'custom',
        path: ['greedy_programs'],
        message: 'needs --decoder_mode hard, hard+penalty or gumbel (soft mode runs every program at once)',
      });
    // Self-training: a loaded generator labels what the supervised fraction leaves out.
    if (c.pseudo_program_min_log_prob !== undefined) {
      const issue = (message: string) =>
        ctx.addIssue({ code: 'custom', path: ['pseudo_program_min_log_prob'], message });
      if (c.recipe !== undefined) issue('not with --recipe (the recipe sets it in its own stage)');
      else if (c.program_supervision_fraction === undefined)
        issue('needs --program_supervision_fraction (the questions whose programs are given)');
      else if (c.load_model_path === undefined)
        issue('needs --load_model_path (the program generator that labels the other questions)');
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
    } else if (c.program_loss_weight > 0) {
      if (c.program_supervision_fraction === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['program_loss_weight'],
          message: 'needs --program_supervision_fraction (the questions whose programs it learns)',
        });
      if (c.train_mode === 'EE')
        ctx.addIssue({
          code: 'custom',
          path: ['program_loss_weight'],
          message: 'needs a --train_mode that trains the program generator (got EE)',
        });
    } else if (c.program_supervision_fraction !== undefined && c.train_mode !== 'PG') {
      ctx.addIssue({
        code: 'custom',
        path: ['program_supervision_fraction'],
        message: `needs --train_mode PG (got ${c.train_mode}) or --program_loss_weight: it chooses the programs the program generator learns from`,
      });
    }
  });

export type TrainConfig = z.output<typeof trainConfigSchema>;
export type TrainConfigInput = z.input<typeof trainConfigSchema>;

const { model_config: _jsonOnly, ...trainConfigFlags } = trainConfigFields;

/** The flags of `mmnet train`: every config field but `model_config`, plus --config and --resume. */
export const trainFlagsSchema = z.object({
  ...trainConfigFlags,
  config: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'JSON file with any of these settings (flags override it)', value: 'FILE' }),
  resume: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'continue the run in DIR exactly where it stopped', value: 'DIR' }),
});

/** Flags that may accompany --resume (everything else comes from the run's checkpoint). */
export const RESUME_OVERRIDABLE = ['max_epochs', 'max_iterations', 'max_minutes', 'backend'] as const;
