import { z } from 'zod';

/**
 * Upper bounds on input sizes, so that a hostile or mistaken input is refused at once with the limit and the
 * flag that raises it, instead of exhausting memory or disk much later. Defaults are far above official CLEVR
 * (questions of at most ~45 words, programs of at most ~30 functions, 480x320 images, an 18 GB archive).
 */
export const inputLimitsSchema = z.object({
  /** Tokens of one encoded question, with `<START>` and `<END>`. */
  maxQuestionLength: z.number().int().positive().default(128),
  /** Tokens of one encoded program, with `<START>` and `<END>`. */
  maxProgramLength: z.number().int().positive().default(128),
  /** Width and height of a generated image or of the images features are extracted at, in pixels. */
  maxImageSize: z.number().int().positive().default(4096),
  /** Total uncompressed bytes of an archive's entries (zip bombs). */
  maxArchiveBytes: z
    .number()
    .int()
    .positive()
    .default(64 * 1024 ** 3),
});
export type InputLimits = z.output<typeof inputLimitsSchema>;

/** The defaults of every limit. */
export const DEFAULT_INPUT_LIMITS: InputLimits = inputLimitsSchema.parse({});

/** The command-line flag that raises each limit (the same name in every command that has it). */
export const LIMIT_FLAGS: Record<keyof InputLimits, string> = {
  maxQuestionLength: '--max_question_length',
  maxProgramLength: '--max_program_length',
  maxImageSize: '--max_image_size',
  maxArchiveBytes: '--max_archive_bytes',
};

/** An input over one of the `InputLimits`; the message names the input, the limit and the flag raising it. */
export class InputLimitError extends Error {
  constructor(
    readonly where: string,
    readonly limit: keyof InputLimits,
    readonly value: number,
    readonly max: number,
    what: string,
  ) {
    super(`${where}: ${what} is ${value}, over the limit of ${max} (raise it with ${LIMIT_FLAGS[limit]})`);
    this.name = 'InputLimitError';
  }
}

/** Throws an `InputLimitError` when `value` exceeds `limits[limit]`. */
export function checkLimit(
  limits: InputLimits,
  limit: keyof InputLimits,
  value: number,
  where: string,
  what: string,
): void {
  if (value > limits[limit]) throw new InputLimitError(where, limit, value, limits[limit], what);
}
