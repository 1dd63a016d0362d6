import type { Vocab } from '@mmnet/programs';
import { z } from 'zod';

/** Stacked attention network (Yang et al. 2016) and its word-by-word variant; reference sizes by default. */
export const SANConfigSchema = z.object({
  /** Channels of the input image features [1024]. */
  inChannels: z.number().int().positive().default(1024),
  /** Channels of the stem output, and the LSTM hidden size (the query lives in the same space) [256]. */
  stemDim: z.number().int().positive().default(256),
  stemLayers: z.number().int().positive().default(2),
  /**
   * Kernel size of the stem's convolutions [3]. 1 keeps every cell's features its own: with per-cell attribute
   * features (the built-in CNN's) a 3x3 stem mixes neighbouring objects into the vector the attention reads.
   */
  stemKernelSize: z.number().int().positive().default(3),
  /** Feature map size [14 x 14]. */
  height: z.number().int().positive().default(14),
  width: z.number().int().positive().default(14),
  wordEmbedDim: z.number().int().positive().default(300),
  rnnCell: z.enum(['lstm', 'gru']).default('lstm'),
  rnnLayers: z.number().int().positive().default(2),
  /** Width of the attention's hidden layer h = tanh(Wv v + Wu u) [512]. */
  attentionDim: z.number().int().positive().default(512),
  /** Attention hops of SAN (SAN_wbw takes one per question word instead) [3]. */
  hops: z.number().int().positive().default(3),
  classifierHidden: z.number().int().positive().default(1024),
  /** Seed of the parameter initialisation. */
  seed: z.number().int().default(0),
});
export type SANConfig = z.input<typeof SANConfigSchema>;
export type ResolvedSANConfig = z.output<typeof SANConfigSchema>;

/** The vocabularies a SAN needs (the reference's vocab.json parts). */
export type SANVocab = Pick<Vocab, 'question_token_to_idx' | 'answer_token_to_idx'>;
