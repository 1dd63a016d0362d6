import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@mmnet/core-tensors';
import { z } from 'zod';

/**
 * `runs/<id>/experiment.json`: the budget an experiment was last trained with, the command that does it and the
 * code that did it, so that its row keeps them whatever options a later `pnpm experiments` (which only collects it)
 * runs with.
 */
export const experimentRecordSchema = z.object({
  budgetHours: z.number().positive(),
  command: z.string().min(1),
  /** The git commit of the code that last trained it (`-dirty`: with uncommitted changes); absent when unknown. */
  commit: z.string().min(1).optional(),
});
export type ExperimentRecord = z.output<typeof experimentRecordSchema>;

export const experimentRecordFile = (runsDir: string, id: string) => join(runsDir, id, 'experiment.json');

/** The record of an experiment, or undefined when it has none; a malformed one is an error naming the file. */
export function readExperimentRecord(runsDir: string, id: string): ExperimentRecord | undefined {
  const file = experimentRecordFile(runsDir, id);
  if (!existsSync(file)) return undefined;
  const parsed = experimentRecordSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success)
    throw new Error(`${file}: ${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message}`);
  return parsed.data;
}

export function writeExperimentRecord(runsDir: string, id: string, record: ExperimentRecord): void {
  mkdirSync(join(runsDir, id), { recursive: true });
  writeFileAtomic(experimentRecordFile(runsDir, id), `${JSON.stringify(record, null, 2)}\n`);
}
