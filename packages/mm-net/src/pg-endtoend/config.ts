import { ModuleNetworkConfigSchema } from '@mmnet/module-net';
import { LearningDecoderConfigSchema, Seq2SeqConfigSchema } from '@mmnet/program-decoders';
import { z } from 'zod';

/** PG_endtoend: executor sizes (module-net's), the program generator, and its learning decoder. */
export const EndToEndConfigSchema = z.object({
  executor: ModuleNetworkConfigSchema.omit({ seed: true }).prefault({}),
  programGenerator: Seq2SeqConfigSchema.prefault({}),
  decoder: LearningDecoderConfigSchema.prefault({}),
  /**
   * Renormalise each step's address over the function tokens (the mass on `<END>` and `scene` is dropped),
   * so a node always reads a convex mixture of module weights.
   */
  renormalizeAddresses: z.boolean().default(true),
  /**
   * Soft and gumbel modes mix module weights per executed node: a batch whose nodes would need more than
   * this many MB in a training step (estimate of execution/node-weight-budget.ts) is refused before it
   * runs, with an error naming what to reduce, rather than exhausting the wasm heap (4 GB) mid-step.
   */
  nodeWeightBudgetMB: z.number().positive().default(3072),
  seed: z.number().int().default(0),
});
export type EndToEndConfig = z.output<typeof EndToEndConfigSchema>;
export type EndToEndConfigInput = z.input<typeof EndToEndConfigSchema>;

/** Which parameter group learns: the program generator, the executor, or both (separate optimisers in the trainer). */
export const TRAIN_MODES = ['EE', 'PG', 'PG+EE'] as const;
export const TrainModeSchema = z.enum(TRAIN_MODES);
export type TrainMode = z.infer<typeof TrainModeSchema>;
