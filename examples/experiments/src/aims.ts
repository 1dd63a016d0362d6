import { STACK_ID, stackWeakId } from './plan.js';
import type { ResultRow, Results } from './results.js';

/** How far above the answer-type prior "well above" is (accuracy points). */
export const WELL_ABOVE_PRIOR = 0.1;
/** How far below the best module network "clearly below" is (accuracy points). */
export const CLEARLY_BELOW = 0.05;

/** One aim of the experiments (accuracy targets per model) and where the results stand. */
export interface AimStatus {
  aim: string;
  /** null: a row it needs is not trained yet. */
  reached: boolean | null;
  /** Not reached by every row the aim covers, but by some (e.g. PG with attention modules, not with residual ones). */
  partly?: boolean;
  /** The measured figures, and for an aim not reached what the run's record says about its limit. */
  detail: string;
}

const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
const count = (n: number) => Math.round(n).toLocaleString('en-US');

/** Accuracy points the second half of a curve must gain over the first to count as still rising. */
export const RISING = 0.01;

/**
 * What a row's record says limits it: its training time against its budget and the 8-hour ceiling, the epochs it
 * saw, and whether its validation curve was still rising (the best of the second half of its questions above the
 * best of the first half by at least RISING).
 */
export function limitOf(row: ResultRow, trainQuestions: number): string {
  const epochs = row.questionsSeen / trainQuestions;
  const parts = [
    `trained ${(row.trainingMinutes / 60).toFixed(1)} h (budget ${row.budgetHours} h, at most 8 allowed) on ${count(row.questionsSeen)} questions (${epochs.toFixed(1)} epochs) at ${row.questionsPerSecond.toFixed(0)} questions/s`,
  ];
  const curve = row.curve;
  if (curve.length >= 3) {
    const half = curve.at(-1)!.questions / 2;
    const best = (points: typeof curve) => Math.max(...points.map((p) => p.accuracy));
    const first = best(curve.filter((p) => p.questions <= half));
    const second = best(curve.filter((p) => p.questions > half));
    parts.push(
      second >= first + RISING
        ? `val curve still rising (best ${pct(first)} in the first half of those questions, ${pct(second)} in the second): a longer budget is the next lever`
        : `val curve flat (best ${pct(first)} in the first half of those questions, ${pct(second)} in the second)`,
    );
  }
  return parts.join('; ');
}

function atLeast(aim: string, rows: ResultRow[], target: number, trainQuestions: number): AimStatus {
  if (!rows.length) return { aim, reached: null, detail: 'not trained yet' };
  const reached = rows.every((r) => r.accuracy >= target);
  const partly = !reached && rows.some((r) => r.accuracy >= target);
  const detail = rows
    .map((r) => {
      const ok = r.accuracy >= target;
      return `${r.label}: ${pct(r.accuracy)}${ok ? '' : ` (${limitOf(r, trainQuestions)})`}`;
    })
    .join('; ');
  return { aim, reached, partly, detail };
}

/** The stack executor's aim with 10 % of the programs: the tree executor's best row with 10 % when it was built. */
export const STACK_TEN_PERCENT_AIM = 0.918;

/** An experiment over its seeds: each seed's accuracy, their median and range, and how many stayed near the prior. */
export interface SeedSpread {
  id: string;
  label: string;
  accuracies: number[];
  median: number;
  min: number;
  max: number;
  /** Seeds less than WELL_ABOVE_PRIOR above the answer-type prior: runs that did not learn. */
  stuck: number;
}

const seedRows = (rows: readonly ResultRow[], id: string) =>
  rows.filter((r) => r.id === id || r.seedOf === id);

/** The spread of `seeds`, the rows of experiment `id` and of its other seeds (`seedRows`). */
function seedSpread(seeds: readonly ResultRow[], id: string, prior: number): SeedSpread {
  const accuracies = seeds.map((r) => r.accuracy);
  const sorted = [...accuracies].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return {
    id,
    label: seeds.find((r) => r.id === id)?.label ?? id,
    accuracies,
    median: sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2,
    min: sorted[0],
    max: sorted.at(-1)!,
    stuck: accuracies.filter((a) => a < prior + WELL_ABOVE_PRIOR).length,
  };
}

/** Every experiment with rows of other seeds (`seedOf`), over all its seeds. */
export function seedSpreads(results: Results): SeedSpread[] {
  const ids = [...new Set(results.rows.flatMap((r) => (r.seedOf ? [r.seedOf] : [])))];
  return ids.map((id) => seedSpread(seedRows(results.rows, id), id, results.prior.accuracy));
}

/** An aim on the median of an experiment's seeds. */
function medianAtLeast(aim: string, results: Results, id: string, target: number): AimStatus {
  const rows = seedRows(results.rows, id);
  if (!rows.length) return { aim, reached: null, detail: 'not trained yet' };
  const s = seedSpread(rows, id, results.prior.accuracy);
  const base = rows.find((r) => r.id === id) ?? rows[0];
  const limit =
    s.median >= target ? '' : `; ${base.label}: ${limitOf(base, results.dataset.questions.train ?? 1)}`;
  return {
    aim,
    reached: s.median >= target,
    detail: `median ${pct(s.median)} of ${rows.length} seed${rows.length === 1 ? '' : 's'} (${s.accuracies.map(pct).join(', ')}), ${s.stuck} within ${WELL_ABOVE_PRIOR * 100} points of the prior${limit}`,
  };
}

/** The aims, checked against the rows trained so far (not the ablations, variants of a row). */
export function aimStatuses(results: Results): AimStatus[] {
  const rows = results.rows.filter((r) => r.group !== 'ablations');
  const train = results.dataset.questions.train ?? 1;
  const statuses: AimStatus[] = [
    atLeast(
      'PG (ground-truth programs) at least 90 %',
      rows.filter((r) => r.model === 'PG'),
      0.9,
      train,
    ),
    atLeast(
      'PG_memory at least 90 %',
      rows.filter((r) => r.model === 'PG_memory'),
      0.9,
      train,
    ),
    atLeast(
      'PG_endtoend with 10 % of the programs at least 80 %',
      rows.filter((r) => r.supervisionFraction === 0.1),
      0.8,
      train,
    ),
  ];
  const sans = rows.filter((r) => r.model.startsWith('SAN'));
  const modules = rows.filter((r) => r.model.startsWith('PG') && r.supervisionFraction === undefined);
  const bestModule = modules.length ? modules.reduce((a, b) => (b.accuracy > a.accuracy ? b : a)) : null;
  statuses.push(
    !sans.length || !bestModule
      ? {
          aim: 'SAN clearly below the module networks',
          reached: null,
          detail: 'needs SAN and a module network',
        }
      : {
          aim: 'SAN clearly below the module networks',
          reached: sans.every((s) => s.accuracy <= bestModule.accuracy - CLEARLY_BELOW),
          detail: `${sans.map((s) => `${s.label} ${pct(s.accuracy)}`).join(', ')}; best module network ${bestModule.label} ${pct(bestModule.accuracy)}`,
        },
  );
  statuses.push(
    medianAtLeast(
      'PG_endtoend from the answers alone (stack executor, no program labels) at least 80 %, the median of its seeds',
      results,
      STACK_ID,
      0.8,
    ),
    atLeast(
      'PG_endtoend stack executor with 1 % of the programs at least 85 %',
      rows.filter((r) => r.id === stackWeakId(0.01)),
      0.85,
      train,
    ),
    atLeast(
      `PG_endtoend stack executor with 10 % of the programs at least ${pct(STACK_TEN_PERCENT_AIM)}`,
      rows.filter((r) => r.id === stackWeakId(0.1)),
      STACK_TEN_PERCENT_AIM,
      train,
    ),
  );
  const prior = results.prior.accuracy;
  const low = rows.filter((r) => r.accuracy < prior + WELL_ABOVE_PRIOR);
  statuses.push({
    aim: `every model well above the answer-type prior (${pct(prior)}; by at least ${WELL_ABOVE_PRIOR * 100} points)`,
    reached: rows.length ? low.length === 0 : null,
    detail: !rows.length
      ? 'no row yet'
      : low.length === 0
        ? `all ${rows.length} trained rows`
        : `not: ${low.map((r) => `${r.label} ${pct(r.accuracy)} (${limitOf(r, train)})`).join('; ')}`,
  });
  return statuses;
}

/** The aims as a Markdown list. */
export function aimsMarkdown(results: Results): string {
  const mark = (s: AimStatus) =>
    s.reached === null
      ? 'pending'
      : s.reached
        ? 'reached'
        : s.partly
          ? '**reached by some of its rows, not by all**'
          : '**not reached**';
  return aimStatuses(results)
    .map((s) => `- ${s.aim}: ${mark(s)} — ${s.detail}.`)
    .join('\n');
}
