import type { ProgramStep } from '@mmnet/programs';
import { z } from 'zod';

/**
 * One step of a CLEVR program. Both spellings are accepted: the public release's
 * `{function, inputs, value_inputs}` and the generator's `{type, inputs, side_inputs}`;
 * both are normalised to `{function, inputs, value_inputs}`.
 */
export const programStepSchema = z
  .looseObject({
    function: z.string().min(1).optional(),
    type: z.string().min(1).optional(),
    inputs: z.array(z.number().int().nonnegative()).default([]),
    value_inputs: z.array(z.string()).optional(),
    side_inputs: z.array(z.string()).optional(),
  })
  .superRefine((step, ctx) => {
    if (step.function === undefined && step.type === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['function'],
        message: 'missing: a step needs "function" (or "type")',
      });
    }
    if (step.function !== undefined && step.type !== undefined && step.function !== step.type) {
      ctx.addIssue({
        code: 'custom',
        path: ['function'],
        message: `"function" (${step.function}) and "type" (${step.type}) disagree`,
      });
    }
  })
  .transform(
    (step): ProgramStep => ({
      function: (step.function ?? step.type) as string,
      inputs: step.inputs,
      value_inputs: step.value_inputs ?? step.side_inputs ?? [],
    }),
  );

export const programSchema = z.array(programStepSchema);

/** Official answers are strings; booleans and numbers are accepted and written as 'yes'/'no' and '3'. */
export const answerSchema = z
  .union([z.string(), z.boolean(), z.number()])
  .transform((a) => (typeof a === 'boolean' ? (a ? 'yes' : 'no') : String(a)));

export const questionSchema = z.looseObject({
  question: z.string(),
  answer: answerSchema.optional(),
  image_index: z.number().int().nonnegative(),
  image_filename: z.string().optional(),
  question_family_index: z.number().int().nonnegative().optional(),
  question_index: z.number().int().nonnegative().optional(),
  split: z.string().optional(),
  program: programSchema.optional(),
});
export type Question = z.output<typeof questionSchema>;

export const questionFileSchema = z.looseObject({
  info: z.record(z.string(), z.unknown()).optional(),
  questions: z.array(questionSchema),
});
export type QuestionFile = z.output<typeof questionFileSchema>;
