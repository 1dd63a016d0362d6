import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '@mmnet/core-tensors';
import { z } from 'zod';

/** `<stage>.state.json` beside a stage's run folder: training time used so far, and whether it is done. */
export const stageStateSchema = z.object({
  /** Wall-clock minutes spent in `mmnet train` for this stage, over every (resumed) process. */
  minutes: z.number().nonnegative(),
  /** The last `mmnet train` process of the stage ended normally (by its time limit or its last iteration). */
  done: z.boolean(),
  /** The run did its last iteration (else only its time budget stopped it, and a larger budget continues it). */
  completed: z.boolean().default(false),
});
export type StageState = z.output<typeof stageStateSchema>;

/** A stage needs no more training when its run completed or used its budget (in minutes). */
export const stageFinished = (s: StageState, budgetMinutes: number, slackMinutes = 0.05) =>
  s.done && (s.completed || s.minutes >= budgetMinutes - slackMinutes);

export function readStageState(file: string): StageState {
  if (!existsSync(file)) return { minutes: 0, done: false, completed: false };
  const parsed = stageStateSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success)
    throw new Error(`${file}: ${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message}`);
  return parsed.data;
}

export function writeStageState(file: string, state: StageState): void {
  writeFileAtomic(file, `${JSON.stringify(state, null, 2)}\n`);
}
