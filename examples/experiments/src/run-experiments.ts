import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildPreset, builtinExtractorName, getPreset } from '@mmnet/clevr-synth';
import {
  helpText,
  initBackend,
  parseFlags,
  UsageError,
  wantsHelp,
  writeFileAtomic,
} from '@mmnet/core-tensors';
import { builtinModels, type CliIo, type DatasetSplit, type ModelRegistry } from '@mmnet/trainer';
import { collectRow, evaluationFile } from './collect-row.js';
import {
  datasetMismatch,
  earlierFeatureRowsFor,
  featuresDiffer,
  mergeWithEarlierRows,
  readEarlierResults,
  rowsOnEarlierFeatures,
  tableBudgetOverride,
} from './earlier-rows.js';
import { readExperimentRecord, writeExperimentRecord } from './experiment-record.js';
import { familyNames } from './families.js';
import { type EXPERIMENT_PRESETS, type ExperimentOptions, experimentOptionsSchema } from './options.js';
import { type Experiment, experimentPlan, selectExperiments } from './plan.js';
import type { ResultRow, Results } from './results.js';
import { experimentTrained, trainExperiment } from './run-experiment.js';
import { answerTypePriorOnSplit, evaluateRunOnSplit, type SplitEvaluation } from './split-evaluation.js';
import { writeResults } from './write-results.js';

/** A split evaluation written by an earlier run, or null when there is none; a damaged one is an error naming it. */
export function readEvaluation(file: string): SplitEvaluation | null {
  if (!existsSync(file)) return null;
  let data: Partial<SplitEvaluation>;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${(error as Error).message}); delete it to evaluate again`);
  }
  if (
    typeof data?.checkpoint !== 'string' ||
    typeof data.accuracy !== 'number' ||
    typeof data.questions !== 'number'
  )
    throw new Error(
      `${file}: not a split evaluation (checkpoint, questions, accuracy); delete it to evaluate again`,
    );
  return data as SplitEvaluation;
}

/**
 * What an experiment still needs: training when it is not trained (then both evaluations again), the final
 * split's evaluation when missing or of another number of questions, and (final split not val) the whole val
 * split's evaluation of the same checkpoint, which rows evaluated before it existed get without retraining.
 */
export function workToDo(state: {
  trained: boolean;
  final: SplitEvaluation | null;
  val: SplitEvaluation | null;
  finalSplit: DatasetSplit;
  evaluatedQuestions: number;
}): { train: boolean; evaluateFinal: boolean; evaluateVal: boolean } {
  const train = !state.trained;
  const evaluateFinal = train || state.final?.questions !== state.evaluatedQuestions;
  const evaluateVal =
    state.finalSplit !== 'val' &&
    (evaluateFinal || state.val === null || state.val.checkpoint !== state.final?.checkpoint);
  return { train, evaluateFinal, evaluateVal };
}

export const REAL_PRESET: (typeof EXPERIMENT_PRESETS)[number] = 'clevr-small';
export const SMOKE_PRESET = 'clevr-micro';
const SMOKE_HOURS = 0.01;

export interface RunExperimentsOptions {
  /** Repository root (default places of results/ and README.md). */
  repoDir: string;
  /** The package folder (default places of data/ and runs/). */
  packageDir: string;
  registry?: ModelRegistry;
  /** The code's version (git commit), recorded with each experiment it trains. */
  codeVersion?: string;
}

/** The command that reproduces everything (or one experiment) with these options. */
function reproduceCommand(o: ExperimentOptions, id?: string): string {
  const parts = ['pnpm experiments'];
  if (o.smoke) parts.push('--smoke');
  if (o.preset && o.preset !== REAL_PRESET) parts.push(`--preset ${o.preset}`);
  if (id) parts.push(`--only ${id}`);
  if (o.hours_per_model !== undefined) parts.push(`--hours-per-model ${o.hours_per_model}`);
  parts.push(`--seed ${o.seed}`);
  if (o.test_questions) parts.push(`--test-questions ${o.test_questions}`);
  if (o.weak_decoder_modes.join(',') !== 'hard')
    parts.push(`--weak-decoder-modes ${o.weak_decoder_modes.join(',')}`);
  return parts.join(' ');
}

/**
 * `pnpm experiments`: builds (cached) the preset, trains every experiment not done yet (resuming unfinished
 * ones), evaluates each on the final split, and after each one rewrites results.json, results.md, the charts
 * and the README section from every finished experiment.
 */
export async function runExperiments(
  argv: string[],
  io: CliIo,
  options: RunExperimentsOptions,
): Promise<number> {
  if (wantsHelp(argv)) {
    io.out(
      helpText(
        'pnpm experiments [flags]',
        'Trains every mmnet model on a generated CLEVR preset and writes results.json, results.md, PNG charts and the README results section.',
        experimentOptionsSchema,
      ),
    );
    return 0;
  }
  let o: ExperimentOptions;
  try {
    o = parseFlags(argv, experimentOptionsSchema);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    for (const line of error.message.split('\n')) io.err(`experiments: ${line}`);
    return 2;
  }
  const registry = options.registry ?? builtinModels();
  const hoursOf = (e: Experiment) => o.hours_per_model ?? (o.smoke ? SMOKE_HOURS : e.hours);
  if (o.smoke && o.preset) {
    io.err('experiments: --preset: --smoke always runs on clevr-micro');
    return 2;
  }
  const presetName = o.smoke ? SMOKE_PRESET : (o.preset ?? REAL_PRESET);
  const preset = getPreset(presetName);
  const finalSplit = preset.splits.some((s) => s.split === 'test') ? 'test' : 'val';
  // Another dataset than clevr-small keeps its runs and results apart, and leaves the README's table alone.
  const other = o.smoke || presetName === REAL_PRESET ? [] : [presetName];
  const runsDir = resolve(o.runs_dir ?? join(options.packageDir, 'runs', ...(o.smoke ? ['smoke'] : other)));
  const resultsDir = resolve(
    o.results_dir ?? (o.smoke ? join(runsDir, 'results') : join(options.repoDir, 'results', ...other)),
  );
  const readme =
    o.readme === 'none'
      ? undefined
      : o.readme
        ? resolve(o.readme)
        : o.smoke || other.length
          ? undefined
          : join(options.repoDir, 'README.md');
  const plan = experimentPlan({ smoke: o.smoke, seed: o.seed, weakDecoderModes: o.weak_decoder_modes });
  let selected: Experiment[];
  try {
    selected = selectExperiments(plan, o.only);
  } catch (error) {
    io.err(`experiments: ${(error as Error).message}`);
    return 2;
  }
  const resultsFile = join(resultsDir, 'results.json');
  if (o.list) {
    // A row of results.json without a run folder here was trained elsewhere (a fresh clone has no run folders);
    // rows measured on the features of other extractor weights are kept apart, as rows to retrain.
    const earlier = readEarlierResults(resultsFile);
    const measuredOn = earlier?.dataset.extractor;
    const current = builtinExtractorName();
    const otherFeatures = featuresDiffer(measuredOn, current);
    if (otherFeatures) {
      io.out(
        `results.json's rows were measured on features by ${measuredOn}, not by the current weights (${current}): they will be kept apart from the table, as rows to retrain`,
      );
    }
    const inResults = new Set(otherFeatures ? [] : earlier?.rows.map((r) => r.id));
    const onEarlierFeatures = new Set(
      [...(otherFeatures ? (earlier?.rows ?? []) : []), ...(earlier?.earlierFeatureRows ?? [])].map(
        (r) => r.id,
      ),
    );
    for (const e of plan) {
      const state = experimentTrained(e, runsDir, hoursOf(e))
        ? 'trained'
        : inResults.has(e.id)
          ? 'in results.json, to train here'
          : onEarlierFeatures.has(e.id)
            ? 'on earlier features, to train'
            : 'to train';
      io.out(`${e.id.padEnd(36)} ${state.padEnd(30)} ${hoursOf(e)} h  ${e.label}`);
    }
    return 0;
  }

  await initBackend({ prefer: o.backend, log: (line) => io.err(line) });
  const datasetDir = resolve(o.data_dir ?? join(options.packageDir, 'data'), presetName);
  const started = performance.now();
  const files = await buildPreset(presetName, datasetDir, {
    onProgress: (p) => {
      if (p.done === p.total || p.done % 250 === 0) io.err(`  ${p.phase}: ${p.done}/${p.total ?? '?'}`);
    },
  });
  io.err(
    files.ranSteps.length
      ? `built ${presetName} in ${datasetDir} in ${((performance.now() - started) / 60000).toFixed(1)} min`
      : `using the cached ${presetName} in ${datasetDir}`,
  );
  const questions = Object.fromEntries(Object.entries(files.splits).map(([s, f]) => [s, f.questions]));
  const evaluatedQuestions = Math.min(questions[finalSplit], o.test_questions ?? Number.POSITIVE_INFINITY);
  const prior = {
    ...(await answerTypePriorOnSplit(datasetDir, finalSplit, evaluatedQuestions)),
    ...(finalSplit !== 'val' && { valAccuracy: (await answerTypePriorOnSplit(datasetDir, 'val')).accuracy }),
  };
  const validationQuestions = Math.min(
    questions.val,
    Math.max(...plan.flatMap((e) => e.stages.map((s) => Number(s.args.num_val_samples ?? 1000)))),
  );

  const dataset = {
    preset: presetName,
    description: preset.description,
    seed: preset.seed,
    questions,
    finalSplit,
    validationQuestions,
    evaluatedQuestions,
    extractor: files.extractor,
  };
  // Rows of the results file written before whose run folders are not here (a fresh clone has none) stay.
  // Rows on the features of other weights of the extractor are kept apart (earlierFeatureRows) until retrained.
  let earlierRows: ResultRow[] = [];
  let onEarlierFeatures: ResultRow[] = [];
  const earlier = readEarlierResults(resultsFile);
  if (earlier) {
    const mismatch = datasetMismatch(earlier, dataset, o.smoke);
    onEarlierFeatures = rowsOnEarlierFeatures(earlier, dataset, o.smoke);
    if (!mismatch) earlierRows = earlier.rows;
    else if (featuresDiffer(earlier.dataset.extractor, dataset.extractor) && onEarlierFeatures.length)
      io.err(`experiments: keeping the rows of ${resultsFile} apart from the table: ${mismatch}`);
    else io.err(`experiments: not keeping the rows of ${resultsFile}: ${mismatch}`);
  }

  const collect = async (): Promise<Results> => {
    const rows: ResultRow[] = [];
    for (const e of plan) {
      const evaluation = readEvaluation(evaluationFile(runsDir, e, finalSplit));
      if (!evaluation) continue;
      const valEvaluation = finalSplit === 'val' ? null : readEvaluation(evaluationFile(runsDir, e, 'val'));
      const record = readExperimentRecord(runsDir, e.id) ?? {
        budgetHours: hoursOf(e),
        command: reproduceCommand(o, e.id),
      };
      rows.push(collectRow(e, runsDir, evaluation, valEvaluation, questions.train, record));
    }
    const table = mergeWithEarlierRows(
      plan.map((e) => e.id),
      rows,
      earlierRows,
    );
    const hoursPerModel = tableBudgetOverride(table, o.hours_per_model);
    return {
      format: 'mmnet-experiments',
      version: 2,
      updated: new Date().toISOString(),
      smoke: o.smoke,
      dataset,
      hoursPerModel,
      seed: o.seed,
      command: reproduceCommand({ ...o, hours_per_model: hoursPerModel ?? undefined }),
      prior,
      families: familyNames(),
      rows: table,
      earlierFeatureRows: earlierFeatureRowsFor(
        plan.map((e) => e.id),
        table,
        onEarlierFeatures,
      ),
    };
  };

  for (const e of selected) {
    const evalFile = evaluationFile(runsDir, e, finalSplit);
    const valFile = evaluationFile(runsDir, e, 'val');
    const trained = experimentTrained(e, runsDir, hoursOf(e));
    const todo = workToDo({
      trained,
      final: readEvaluation(evalFile),
      val: readEvaluation(valFile),
      finalSplit,
      evaluatedQuestions,
    });
    if (!todo.train && !todo.evaluateFinal && !todo.evaluateVal) {
      io.err(`[${e.id}] done (skipped)`);
      continue;
    }
    const t0 = performance.now();
    if (todo.train) {
      // The budget it trains with now (a trained one keeps the record of the budget that trained it).
      writeExperimentRecord(runsDir, e.id, {
        budgetHours: hoursOf(e),
        command: reproduceCommand(o, e.id),
        commit: options.codeVersion,
      });
      await trainExperiment(e, {
        runsDir,
        datasetDir,
        valImages: files.splits.val?.imageDir,
        hoursPerModel: hoursOf(e),
        trainQuestions: questions.train,
        backend: o.backend,
        registry,
        io,
      });
    }
    const lastStage = join(runsDir, e.id, e.stages.at(-1)!.name);
    const evaluate = async (split: DatasetSplit, file: string, maxQuestions?: number) => {
      const evaluation = await evaluateRunOnSplit(lastStage, datasetDir, split, registry, maxQuestions);
      writeFileAtomic(file, `${JSON.stringify(evaluation, null, 2)}\n`);
      io.out(
        `[${e.id}] ${split} accuracy ${evaluation.accuracy.toFixed(3)} on ${evaluation.questions} questions` +
          (evaluation.programExactMatch !== null
            ? `, program exact match ${evaluation.programExactMatch.toFixed(3)}`
            : '') +
          ` (${((performance.now() - t0) / 60000).toFixed(1)} min)`,
      );
    };
    if (todo.evaluateFinal) await evaluate(finalSplit, evalFile, evaluatedQuestions);
    if (todo.evaluateVal) await evaluate('val', valFile);
    await writeResults(await collect(), resultsDir, readme);
  }
  const results = await collect();
  const written = await writeResults(results, resultsDir, readme);
  io.out(`results: ${written.join(', ')}`);
  return 0;
}
