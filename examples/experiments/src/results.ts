import { z } from 'zod';
import { EXPERIMENT_GROUPS } from './plan.js';

const accuracy = z.number().min(0).max(1);

export const curvePointSchema = z.object({ questions: z.number().nonnegative(), accuracy });

/** One row of the results table. */
export const resultRowSchema = z.object({
  id: z.string(),
  group: z.enum(EXPERIMENT_GROUPS),
  label: z.string(),
  model: z.string(),
  decoderMode: z.string().optional(),
  curriculum: z.boolean().optional(),
  supervisionFraction: z.number().optional(),
  /** Another seed of the row with this id (the plan's `seedOf`). */
  seedOf: z.string().optional(),
  /** Accuracy on the final split (test; val only in --smoke, whose preset has no test split). */
  accuracy,
  /**
   * Accuracy of the same checkpoint on the whole val split, when the final split is not val (the checkpoint was
   * chosen on a slice of val, so this is no unbiased figure: the table's is the final split's).
   */
  valAccuracy: accuracy.nullable().optional(),
  perFamily: z.record(z.string(), accuracy.nullable()),
  programExactMatch: accuracy.nullable(),
  evaluatedQuestions: z.number().int(),
  checkpoint: z.string(),
  trainingMinutes: z.number().nonnegative(),
  /** The row's training time budget in hours (all stages). */
  budgetHours: z.number().positive(),
  questionsSeen: z.number().nonnegative(),
  /** Training throughput of the last training process of the evaluated stage. */
  questionsPerSecond: z.number().nonnegative(),
  backend: z.string(),
  steps: z.number().int(),
  /** False when the time budget stopped the run before its last iteration. */
  completed: z.boolean(),
  seed: z.number().int(),
  command: z.string(),
  /** The git commit of the code that last trained the row; null when not recorded (rows trained before it was). */
  commit: z.string().nullable().optional(),
  /** Validation accuracy against training questions seen (the stages that learn from answers, one after another). */
  curve: z.array(curvePointSchema),
  /** Weak supervision: program exact match on val at the end of the programs stage. */
  programStageExactMatch: accuracy.nullable().optional(),
  /** Rows on earlier features (`earlierFeatureRows`): the extractor whose features the row was measured on. */
  extractor: z.string().optional(),
});
export type ResultRow = z.output<typeof resultRowSchema>;

export const resultsSchema = z.object({
  format: z.literal('mmnet-experiments'),
  version: z.literal(2),
  updated: z.string(),
  smoke: z.boolean(),
  dataset: z.object({
    preset: z.string(),
    description: z.string(),
    seed: z.number().int(),
    questions: z.record(z.string(), z.number().int()),
    finalSplit: z.string(),
    validationQuestions: z.number().int(),
    /** Questions of the final split evaluated (its first N, --test-questions). */
    evaluatedQuestions: z.number().int(),
    /** The feature extractor's name with a hash of its weights (absent in files written before it was recorded). */
    extractor: z.string().optional(),
  }),
  /** --hours-per-model, when it overrode every row's own budget (`budgetHours`). */
  hoursPerModel: z.number().positive().nullable(),
  seed: z.number().int(),
  command: z.string(),
  prior: z.object({
    accuracy,
    perFamily: z.record(z.string(), accuracy.nullable()),
    /** On the whole val split, when the final split is not val. */
    valAccuracy: accuracy.optional(),
  }),
  families: z.array(z.string()),
  rows: z.array(resultRowSchema),
  /**
   * Rows measured on the same dataset with the features of other extractor weights (each names its `extractor`)
   * for experiments with no row on the current features yet: a record of what is to be retrained, apart from
   * the table.
   */
  earlierFeatureRows: z.array(resultRowSchema).optional(),
});
export type Results = z.output<typeof resultsSchema>;

/** Parses results.json text; errors name the file and the field. */
export function parseResults(text: string, file: string): Results {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = resultsSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}
