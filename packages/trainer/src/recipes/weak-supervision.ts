import { join } from 'node:path';
import { RunDirectory } from '../checkpoint/run-directory.js';
import type { ExecutorKind, TrainMode } from '../config/train-config.js';

/** One `mmnet train` run of a recipe, in its own folder `<--out>/<name>`. */
export interface RecipeStage {
  name: string;
  /** `mmnet train` flags (snake_case) that make the stage what it is, on top of the run's own. */
  flags: Record<string, string>;
  /** Share of the recipe's time (--max_minutes) this stage may use. */
  budgetShare: number;
  /** Start from the previous stage's latest checkpoint, loading these parts (--load_model_mode). */
  loadPrevious?: TrainMode;
}

/**
 * The stack recipe's self-training keeps the programs the controller gives at least e^-0.2 = 82 %: on clevr-small,
 * from 1 % of the programs, 80 % of the other training questions, 99 % of them right.
 */
export const SELF_TRAINING_MIN_LOG_PROB = -0.2;

/**
 * Weak supervision for PG_endtoend: the program generator learns from the ground-truth programs of a fraction of
 * the training questions only, then from the answers alone.
 * - Tree executor (clevr-iep's recipe): `programs` (the generator by teacher forcing), `executor` (the executor
 *   on the generator's programs, generator frozen, cosine decay), `answers` (both together, the generator at
 *   clevr-iep's joint fine-tuning rate 1e-5, the executor at 1e-4, where the executor stage's decay ended).
 * - Stack executor: `layouts` (the controller's addresses learn the aligned layouts), `self-training` (the
 *   controller labels the other training questions with its most likely whole programs and learns from those it is
 *   sure of as well), then `executor` (the executor on the controller's most likely whole programs as one-hot
 *   addresses, controller frozen, cosine decay) for the rest of the time. A step from the answers after it
 *   (REINFORCE at the tree's joint rates, the layout loss kept) held val accuracy where the executor stage left it,
 *   and soft addresses from the answers straight after `layouts` learnt no faster per question, at 0.4x the
 *   questions/s.
 */
export function weakSupervisionStages(fraction: number, executor: ExecutorKind): RecipeStage[] {
  const programs = { train_mode: 'PG', program_supervision_fraction: String(fraction) };
  if (executor === 'stack') {
    return [
      { name: 'layouts', flags: programs, budgetShare: 0.15 },
      {
        name: 'self-training',
        flags: { ...programs, pseudo_program_min_log_prob: String(SELF_TRAINING_MIN_LOG_PROB), lr: '1e-3' },
        budgetShare: 0.05,
        loadPrevious: 'PG',
      },
      {
        name: 'executor',
        flags: { train_mode: 'EE', decoder_mode: 'hard', lr_schedule: 'cosine' },
        budgetShare: 0.8,
        loadPrevious: 'PG',
      },
    ];
  }
  return [
    { name: 'programs', flags: programs, budgetShare: 0.25 },
    {
      name: 'executor',
      flags: { train_mode: 'EE', lr_schedule: 'cosine' },
      budgetShare: 0.45,
      loadPrevious: 'PG',
    },
    {
      name: 'answers',
      flags: { train_mode: 'PG+EE', pg_lr: '1e-5', lr: '1e-4' },
      budgetShare: 0.3,
      loadPrevious: 'PG+EE',
    },
  ];
}

/**
 * Minutes stage `k` may train within a recipe's `totalMinutes`: its share plus what the stages before it left
 * unused (one that completed its iterations early passes its time on), `usedBefore` being the minutes they used.
 */
export function stageBudgetMinutes(
  totalMinutes: number,
  stages: readonly Pick<RecipeStage, 'budgetShare'>[],
  k: number,
  usedBefore: readonly number[],
): number {
  const shares = stages.slice(0, k + 1).reduce((sum, s) => sum + s.budgetShare, 0);
  const used = usedBefore.slice(0, k).reduce((sum, m) => sum + m, 0);
  return totalMinutes * shares - used;
}

/** The config keys that start a stage from the previous stage's latest checkpoint, loading `mode`'s parts. */
export function loadPrevious(
  previousRunDir: string,
  mode: TrainMode,
): { load_model_path: string; load_model_mode: TrainMode } {
  const run = new RunDirectory(previousRunDir);
  return { load_model_path: run.path(run.readManifest().latest), load_model_mode: mode };
}

/** Folder of a recipe's stage inside the recipe's --out. */
export const recipeStageDir = (out: string, stage: RecipeStage) => join(out, stage.name);
