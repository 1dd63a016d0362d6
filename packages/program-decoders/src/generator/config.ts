import { z } from 'zod';

/** Sizes of the seq2seq program generator (clevr-iep defaults: wordvec 300, hidden 256, 2 layers, LSTM). */
export const Seq2SeqConfigSchema = z.object({
  /** Question-word embedding size (encoder). */
  encoderWordvecDim: z.number().int().positive().default(300),
  /** Program-token embedding size (decoder input, besides the encoding). */
  decoderWordvecDim: z.number().int().positive().default(300),
  hiddenDim: z.number().int().positive().default(256),
  numLayers: z.number().int().positive().default(2),
  cell: z.enum(['lstm', 'gru']).default('lstm'),
  /**
   * Scores of `<NULL>`, `<START>` and `<UNK>` are masked so that decoding never picks them; false scores them
   * as clevr-iep does (converted clevr-iep generators, whose greedy programs must match its own).
   */
  maskSpecialTokens: z.boolean().default(true),
  /** Longest program decoded (tokens before `<END>`). */
  maxProgramLength: z.number().int().positive().default(30),
});
export type Seq2SeqConfig = z.output<typeof Seq2SeqConfigSchema>;
export type Seq2SeqConfigInput = z.input<typeof Seq2SeqConfigSchema>;
