import { z } from 'zod';

/** The four ways PG_endtoend turns the generator's per-step distribution into a memory address. */
export const DECODER_MODES = ['soft', 'gumbel', 'hard', 'hard+penalty'] as const;
export const DecoderModeSchema = z.enum(DECODER_MODES);
export type DecoderMode = z.infer<typeof DecoderModeSchema>;

/** Gumbel-softmax temperature: max(min, start * exp(-decayRate * step)). */
export const GumbelScheduleSchema = z.object({
  start: z.number().positive().default(1),
  min: z.number().positive().default(0.5),
  decayRate: z.number().nonnegative().default(1e-3),
});

/** REINFORCE settings of the `hard` and `hard+penalty` modes. */
export const ReinforceConfigSchema = z.object({
  /** Moving-average baseline: b <- momentum * b + (1 - momentum) * mean reward. */
  baselineMomentum: z.number().min(0).max(1).default(0.9),
  /** Weight of the entropy bonus (added to the objective, so it is subtracted from the loss). */
  entropyWeight: z.number().nonnegative().default(0.01),
  /** `hard+penalty`: reward = correct + penaltyWeight * (-answer cross-entropy). */
  penaltyWeight: z.number().nonnegative().default(1),
  /** Reward of a decoded sequence that needed repair (see `repairPrefixProgram`); null: its answer's reward. */
  invalidProgramReward: z.number().nullable().default(0),
  /** Sampling temperature of the hard decoders. */
  sampleTemperature: z.number().positive().default(1),
});

/** Curriculum on the maximum program length: min(max, start + increment * floor(step / every)). */
export const LengthCurriculumSchema = z
  .object({
    start: z.number().int().positive().default(3),
    increment: z.number().int().nonnegative().default(1),
    every: z.number().int().positive().default(500),
    max: z.number().int().positive().default(30),
  })
  .refine((c) => c.start <= c.max, { message: 'start must be <= max', path: ['start'] });

export const LearningDecoderConfigSchema = z.object({
  mode: DecoderModeSchema.default('soft'),
  gumbel: GumbelScheduleSchema.default(GumbelScheduleSchema.parse({})),
  reinforce: ReinforceConfigSchema.default(ReinforceConfigSchema.parse({})),
  curriculum: LengthCurriculumSchema.default(LengthCurriculumSchema.parse({})),
});
export type LearningDecoderConfig = z.output<typeof LearningDecoderConfigSchema>;
export type LearningDecoderConfigInput = z.input<typeof LearningDecoderConfigSchema>;
export type GumbelSchedule = z.output<typeof GumbelScheduleSchema>;
export type ReinforceConfig = z.output<typeof ReinforceConfigSchema>;
export type LengthCurriculum = z.output<typeof LengthCurriculumSchema>;
