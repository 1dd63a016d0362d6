import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type CliIo, type ModelRegistry, RunDirectory, runCli, stageBudgetMinutes } from '@mmnet/trainer';
import type { Experiment, StageSpec } from './plan.js';
import { runProgress } from './run-progress.js';
import { readStageState, stageFinished, writeStageState } from './stage-state.js';

export interface ExperimentContext {
  /** Folder holding one folder per experiment. */
  runsDir: string;
  /** Dataset folder (vocab.json, {train,val}_questions.h5, {train,val}_features.h5). */
  datasetDir: string;
  valImages?: string;
  hoursPerModel: number;
  backend?: string;
  registry: ModelRegistry;
  io: CliIo;
  /** Training questions of the dataset (to tell a completed run from one its budget stopped). */
  trainQuestions: number;
  /** Seconds between updates of the stage's time used (so a killed process loses at most that). */
  stateIntervalSeconds?: number;
}

export const experimentDir = (runsDir: string, e: Experiment) => join(runsDir, e.id);
export const stageDir = (runsDir: string, e: Experiment, s: StageSpec) => join(runsDir, e.id, s.name);
export const stageStateFile = (runsDir: string, e: Experiment, s: StageSpec) =>
  join(runsDir, e.id, `${s.name}.state.json`);

/** Below this many minutes left, a started stage counts as done. */
const MIN_MINUTES = 0.05;

/**
 * Trains every stage of an experiment that is not done yet, within its share of the time budget: a stage
 * with a run folder is continued with `mmnet train --resume` (and the minutes left), a new one is started
 * (from the previous stage's latest checkpoint when it says so). Throws when `mmnet train` fails.
 */
export async function trainExperiment(e: Experiment, ctx: ExperimentContext): Promise<void> {
  mkdirSync(experimentDir(ctx.runsDir, e), { recursive: true });
  // Minutes each stage before the current one used (what they left unused passes on).
  const usedBefore: number[] = [];
  for (const [k, stage] of e.stages.entries()) {
    const dir = stageDir(ctx.runsDir, e, stage);
    const stateFile = stageStateFile(ctx.runsDir, e, stage);
    let state = readStageState(stateFile);
    const budget = stageBudgetMinutes(ctx.hoursPerModel * 60, e.stages, k, usedBefore);
    if (stageFinished(state, budget, MIN_MINUTES)) {
      usedBefore.push(state.minutes);
      continue;
    }
    const started = new RunDirectory(dir).hasManifest();
    if (!started) {
      // A process stopped before its first checkpoint left nothing to continue from: start the stage afresh.
      rmSync(dir, { recursive: true, force: true });
      state = { minutes: 0, done: false, completed: false };
    }
    const left = budget - state.minutes;
    if (started && left < MIN_MINUTES) {
      writeStageState(stateFile, { ...state, done: true });
      usedBefore.push(state.minutes);
      continue;
    }
    const minutes = Math.max(left, MIN_MINUTES);
    let argv: string[];
    if (started) {
      argv = ['train', '--resume', dir, `--max_minutes=${minutes.toFixed(3)}`];
      ctx.io.err(
        `[${e.id}] resuming ${stage.name} (${state.minutes.toFixed(1)} of ${budget.toFixed(1)} min used)`,
      );
    } else {
      const configFile = join(experimentDir(ctx.runsDir, e), `${stage.name}.config.json`);
      writeFileSync(configFile, `${JSON.stringify({ model_config: stage.modelConfig }, null, 2)}\n`);
      argv = [
        'train',
        ...Object.entries(stage.args).map(([key, value]) => `--${key}=${value}`),
        `--clevr_dataset=${resolve(ctx.datasetDir)}`,
        `--config=${configFile}`,
        `--out=${dir}`,
        `--max_minutes=${minutes.toFixed(3)}`,
      ];
      if (ctx.valImages) argv.push(`--clevr_val_images=${resolve(ctx.valImages)}`);
      argv.push(...startCheckpointFlags(e, k, ctx.runsDir));
      ctx.io.err(`[${e.id}] ${stage.name}: mmnet ${argv.join(' ')}`);
    }
    if (ctx.backend) argv.push(`--backend=${ctx.backend}`);
    const t0 = performance.now();
    const minutesUsed = () => state.minutes + (performance.now() - t0) / 60_000;
    const timer = setInterval(
      () => writeStageState(stateFile, { minutes: minutesUsed(), done: false, completed: false }),
      (ctx.stateIntervalSeconds ?? 30) * 1000,
    );
    let code: number;
    try {
      code = await runCli(argv, ctx.io, ctx.registry);
    } finally {
      clearInterval(timer);
    }
    if (code !== 0) {
      writeStageState(stateFile, { minutes: minutesUsed(), done: false, completed: false });
      throw new Error(
        `experiment ${e.id}: mmnet train (${stage.name}) exited with code ${code}; rerun to resume`,
      );
    }
    const { completed } = runProgress(dir, ctx.trainQuestions);
    const stageMinutes = minutesUsed();
    writeStageState(stateFile, { minutes: stageMinutes, done: true, completed });
    usedBefore.push(stageMinutes);
  }
}

/**
 * `mmnet train` flags that start stage `k` of an experiment from a checkpoint: the previous stage's latest
 * (`loadPrevious`), or the latest of another experiment's stage (`loadFrom`), which must have been trained
 * (an error names it otherwise); none for a stage that starts afresh.
 */
export function startCheckpointFlags(e: Experiment, k: number, runsDir: string): string[] {
  const stage = e.stages[k];
  let from: { dir: string; mode: string } | undefined;
  if (stage.loadPrevious) {
    const previous = e.stages[k - 1];
    if (!previous)
      throw new Error(`experiment ${e.id}: stage ${stage.name} loads a previous stage but is the first`);
    from = { dir: stageDir(runsDir, e, previous), mode: stage.loadPrevious };
  } else if (stage.loadFrom) {
    const { experiment, stage: name, mode } = stage.loadFrom;
    const state = readStageState(join(runsDir, experiment, `${name}.state.json`));
    const dir = join(runsDir, experiment, name);
    if (!state.done || !new RunDirectory(dir).hasManifest())
      throw new Error(
        `experiment ${e.id}: stage ${stage.name} starts from the ${name} stage of ${experiment}, which is not trained in ${runsDir} yet (train it first: --only ${experiment})`,
      );
    from = { dir, mode };
  }
  if (!from) return [];
  const run = new RunDirectory(from.dir);
  return [`--load_model_path=${run.path(run.readManifest().latest)}`, `--load_model_mode=${from.mode}`];
}

/** True when every stage of the experiment completed or used its budget of `hoursPerModel`. */
export function experimentTrained(e: Experiment, runsDir: string, hoursPerModel: number): boolean {
  const states = e.stages.map((s) => readStageState(stageStateFile(runsDir, e, s)));
  const minutes = states.map((s) => s.minutes);
  return states.every((state, k) =>
    stageFinished(state, stageBudgetMinutes(hoursPerModel * 60, e.stages, k, minutes), MIN_MINUTES),
  );
}
