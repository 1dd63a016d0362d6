import { existsSync, readFileSync } from 'node:fs';
import { parseResults, type ResultRow, type Results } from './results.js';

/** The results file written before, if any; a malformed one is an error naming the file and the field. */
export function readEarlierResults(file: string): Results | undefined {
  return existsSync(file) ? parseResults(readFileSync(file, 'utf8'), file) : undefined;
}

/**
 * Whether rows measured on features by extractor `was` cannot stand beside features by `now` (names with a hash
 * of the weights); a file written before the extractor was recorded (`was` undefined) is taken as matching.
 */
export function featuresDiffer(was: string | undefined, now: string | undefined): boolean {
  return was !== undefined && now !== undefined && was !== now;
}

/** Why an earlier results file's rows cannot stand beside rows measured on `dataset`; undefined when they can. */
export function datasetMismatch(
  earlier: Results,
  dataset: Results['dataset'],
  smoke: boolean,
): string | undefined {
  const was = earlier.dataset;
  if (earlier.smoke !== smoke) return `it is ${earlier.smoke ? 'a smoke' : 'a real'} run's`;
  if (was.preset !== dataset.preset || was.seed !== dataset.seed)
    return `its dataset is ${was.preset} seed ${was.seed}, not ${dataset.preset} seed ${dataset.seed}`;
  if (featuresDiffer(was.extractor, dataset.extractor))
    return `its features are by ${was.extractor}, not ${dataset.extractor}`;
  if (was.finalSplit !== dataset.finalSplit || was.evaluatedQuestions !== dataset.evaluatedQuestions)
    return `it evaluated ${was.evaluatedQuestions} ${was.finalSplit} questions, not ${dataset.evaluatedQuestions} ${dataset.finalSplit}`;
  return undefined;
}

/**
 * The rows of an earlier results file that were measured on the same dataset with the features of other
 * extractor weights (each with its `extractor`), and the ones it carried itself, for `earlierFeatureRows`; none
 * when the file is of another dataset, split or kind of run.
 */
export function rowsOnEarlierFeatures(
  earlier: Results,
  dataset: Results['dataset'],
  smoke: boolean,
): ResultRow[] {
  const carried = earlier.earlierFeatureRows ?? [];
  if (datasetMismatch(earlier, dataset, smoke) === undefined) return carried;
  const sameDataset = datasetMismatch(earlier, { ...dataset, extractor: earlier.dataset.extractor }, smoke);
  if (sameDataset !== undefined) return [];
  return [
    ...earlier.rows.map((r) => ({ ...r, extractor: r.extractor ?? earlier.dataset.extractor })),
    ...carried,
  ];
}

/**
 * `earlierFeatureRows` in plan order: one row per experiment with no row in `table` (the first given wins, so
 * the most recent features come first); ids no longer in the plan are dropped.
 */
export function earlierFeatureRowsFor(
  planIds: readonly string[],
  table: readonly ResultRow[],
  candidates: readonly ResultRow[],
): ResultRow[] {
  const measured = new Set(table.map((r) => r.id));
  return planIds.flatMap((id) => {
    const row = measured.has(id) ? undefined : candidates.find((r) => r.id === id);
    return row ? [row] : [];
  });
}

/**
 * The table's rows in plan order: each experiment's row from its run folder when it has one, else its row from
 * the earlier results file (run folders are local and a fresh clone has none, so the committed results.json is
 * the record of the rows not retrained here). Rows of ids no longer in the plan are dropped.
 */
export function mergeWithEarlierRows(
  planIds: readonly string[],
  fresh: readonly ResultRow[],
  earlier: readonly ResultRow[],
): ResultRow[] {
  const freshById = new Map(fresh.map((r) => [r.id, r]));
  const earlierById = new Map(earlier.map((r) => [r.id, r]));
  return planIds.flatMap((id) => {
    const row = freshById.get(id) ?? earlierById.get(id);
    return row ? [row] : [];
  });
}

/** `--hours-per-model H` as the table's budget: H when every row trained with it, else null (rows kept from before may not have). */
export function tableBudgetOverride(
  rows: readonly ResultRow[],
  hoursPerModel: number | undefined,
): number | null {
  return hoursPerModel !== undefined && rows.every((r) => r.budgetHours === hoursPerModel)
    ? hoursPerModel
    : null;
}
