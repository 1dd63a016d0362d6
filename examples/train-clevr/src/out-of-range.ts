import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { readQuestionsH5 } from '@mmnet/clevr-data';
import { buildOutOfRangeSet, OUT_OF_RANGE_VARIANTS, outOfRangeVariantNames } from '@mmnet/clevr-synth';
import {
  backendFlag,
  flagInt,
  initBackend,
  parseCommandLine,
  UsageError,
  writeFileAtomic,
} from '@mmnet/core-tensors';
import { tokensByIndex } from '@mmnet/programs';
import {
  answerTypePrior,
  builtinModels,
  type CliIo,
  checkpointConfig,
  datasetFiles,
  evaluateCheckpoint,
  type ModelRegistry,
  readVocabFile,
  resolveCheckpoint,
} from '@mmnet/trainer';
import { z } from 'zod';

const optionsSchema = z
  .object({
    run: z.string().min(1).meta({ description: 'run folder of mmnet train', value: 'DIR' }),
    variants: z
      .string()
      .transform((s) => s.split(',').filter(Boolean))
      .refine((names) => names.length > 0 && names.every((n) => n in OUT_OF_RANGE_VARIANTS), {
        error: `must be a comma-separated list of ${outOfRangeVariantNames().join(', ')}`,
      })
      .optional()
      .meta({
        description: `out-of-range sets: ${outOfRangeVariantNames().join(',')}`,
        value: 'A,B',
        default: 'all of them',
      }),
    images: flagInt(1).default(200).meta({ description: 'scenes rendered per out-of-range set' }),
    data_dir: z.string().min(1).optional().meta({
      description: 'cache of the sets (DIR/out-of-range/<variant>-<images>)',
      flag: 'data-dir',
      value: 'DIR',
      default: 'examples/train-clevr/data',
    }),
    out: z.string().min(1).optional().meta({
      description: 'writes PREFIX.json and PREFIX.md',
      value: 'PREFIX',
      default: 'results/out-of-range',
    }),
    batch_size: flagInt(1)
      .default(64)
      .meta({ description: 'questions per evaluation batch', flag: 'batch-size' }),
    backend: backendFlag(),
  })
  .strict();

/** One evaluated set: the run's own val split, or an out-of-range set. */
export interface SetResult {
  set: string;
  /** What lies outside the training ranges ("in range" for val). */
  description: string;
  images: number;
  questions: number;
  /** Generated questions left out because the training vocabulary lacks a token (e.g. the answer 11). */
  dropped: number;
  /** Accuracy when the run's generator predicts the programs (the run's only accuracy for a model without one). */
  accuracy: number;
  /** Accuracy with the ground-truth programs (models with a generator that execute given programs). */
  accuracyGroundTruthPrograms?: number;
  programExactMatch?: number;
  /** Always the most common training answer of each kind of answer. */
  answerTypePrior: number;
  perKind: Record<string, { correct: number; total: number }>;
  seconds: number;
}

export interface OutOfRangeResults {
  run: string;
  checkpoint: string;
  step: number;
  dataset: string;
  imagesPerSet: number;
  sets: SetResult[];
}

const resultsSchema = z.looseObject({
  checkpoint: z.string(),
  step: z.number(),
  imagesPerSet: z.number(),
  sets: z.array(z.looseObject({ set: z.string() })),
});

const pct = (x: number | undefined) => (x === undefined ? '–' : (100 * x).toFixed(1));

/** The markdown table of the results (one row per set). */
export function resultsMarkdown(r: OutOfRangeResults): string {
  const lines = [
    `# Accuracy outside the training ranges`,
    '',
    `Run \`${r.run}\` (checkpoint \`${basename(r.checkpoint)}\`, iteration ${r.step}), trained on \`${r.dataset}\`. ` +
      `Each out-of-range set renders ${r.imagesPerSet} new scenes with 10 template questions each, outside one ` +
      'range of the training renders (the last row: all at once); questions whose tokens the training vocabulary ' +
      'lacks (e.g. an answer of 11 or 12) are left out. Accuracy in %. Written by ' +
      '`pnpm --filter @mmnet/example-train-clevr out-of-range`.',
    '',
    '| set | outside the training ranges | images | questions | predicted programs | ground-truth programs | program exact match | answer-type prior |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const s of r.sets)
    lines.push(
      `| ${s.set} | ${s.description} | ${s.images} | ${s.questions}${s.dropped ? ` (${s.dropped} left out)` : ''} | ` +
        `**${pct(s.accuracy)}** | ${pct(s.accuracyGroundTruthPrograms)} | ${pct(s.programExactMatch)} | ${pct(s.answerTypePrior)} |`,
    );
  return `${lines.join('\n')}\n`;
}

/**
 * Evaluates a trained run on its own val split and on out-of-range val sets (built, or taken from the cache):
 * accuracy with predicted and with ground-truth programs, program exact match, the answer-type prior. The
 * results are rewritten (atomically) after each set, and a rerun for the same checkpoint skips the sets done.
 */
export async function runOutOfRange(
  argv: string[],
  io: CliIo,
  options: { baseDir: string; repoRoot: string; registry?: ModelRegistry },
): Promise<number> {
  let opts: z.output<typeof optionsSchema> | null;
  try {
    opts = parseCommandLine(
      argv,
      optionsSchema,
      {
        usage: 'pnpm out-of-range --run DIR [flags]',
        summary:
          'Accuracy of a trained run on its val split and on val sets rendered outside the training ranges.',
      },
      io.out,
    );
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    for (const line of error.message.split('\n')) io.err(`out-of-range: ${line}`);
    return 2;
  }
  if (opts === null) return 0;
  const registry = options.registry ?? builtinModels();
  await initBackend({ prefer: opts.backend, log: (line) => io.err(line) });
  const run = resolve(opts.run);
  const { file, checkpoint } = resolveCheckpoint({ run });
  const step = Number(checkpoint.metadata.step ?? 0);
  const dataset = datasetFiles(checkpointConfig(checkpoint, file).clevr_dataset);
  const vocab = readVocabFile(dataset.vocab);
  const answerTokens = tokensByIndex(vocab.answer_token_to_idx, 'answer_token_to_idx');
  const trainAnswers = (await readQuestionsH5(dataset.trainQuestions)).answers ?? new Int32Array(0);
  const variants = opts.variants ?? outOfRangeVariantNames();
  const dataRoot = resolve(opts.data_dir ?? join(options.baseDir, 'data'), 'out-of-range');
  const prefix = resolve(opts.out ?? join(options.repoRoot, 'results', 'out-of-range'));
  const jsonFile = `${prefix}.json`;
  mkdirSync(dirname(prefix), { recursive: true });

  const results: OutOfRangeResults = {
    run,
    checkpoint: file,
    step,
    dataset: dataset.dir,
    imagesPerSet: opts.images,
    sets: [],
  };
  if (existsSync(jsonFile)) {
    const previous = resultsSchema.safeParse(JSON.parse(readFileSync(jsonFile, 'utf8')));
    if (
      previous.success &&
      previous.data.checkpoint === file &&
      previous.data.step === step &&
      previous.data.imagesPerSet === opts.images
    )
      results.sets = previous.data.sets as unknown as SetResult[];
  }
  const save = () => {
    writeFileAtomic(jsonFile, `${JSON.stringify(results, null, 2)}\n`);
    writeFileAtomic(`${prefix}.md`, resultsMarkdown(results));
  };

  const evaluateSet = async (
    set: string,
    description: string,
    files: { questionsH5: string; featuresH5: string },
    counts: { images: number; dropped: number },
  ) => {
    if (results.sets.some((s) => s.set === set)) {
      io.err(`${set}: done before (${jsonFile})`);
      return;
    }
    const started = performance.now();
    io.err(`${set}: evaluating ${files.questionsH5}`);
    const r = await evaluateCheckpoint(
      { file, checkpoint, vocab },
      { ...files, batchSize: opts.batch_size },
      registry,
    );
    const evalAnswers = (await readQuestionsH5(files.questionsH5)).answers ?? new Int32Array(0);
    const row: SetResult = {
      set,
      description,
      images: counts.images,
      questions: r.count,
      dropped: counts.dropped,
      accuracy: r.accuracy,
      ...(r.givenPrograms && { accuracyGroundTruthPrograms: r.givenPrograms.accuracy }),
      ...(r.programExactMatch !== undefined && { programExactMatch: r.programExactMatch }),
      answerTypePrior: answerTypePrior(trainAnswers, evalAnswers, answerTokens).accuracy,
      perKind: r.perKind as SetResult['perKind'],
      seconds: Math.round((performance.now() - started) / 1000),
    };
    results.sets.push(row);
    save();
    io.out(
      `${set.padEnd(12)} ${pct(row.accuracy).padStart(5)} % with predicted programs, ${pct(row.accuracyGroundTruthPrograms).padStart(5)} % with ground-truth programs (${row.questions} questions)`,
    );
  };

  const valImages = new Set((await readQuestionsH5(dataset.valQuestions)).imageIdxs).size;
  await evaluateSet(
    'val',
    'in range (the run’s own val split)',
    { questionsH5: dataset.valQuestions, featuresH5: dataset.valFeatures },
    { images: valImages, dropped: 0 },
  );
  const failed: string[] = [];
  for (const name of variants) {
    if (results.sets.some((s) => s.set === name)) {
      io.err(`${name}: done before (${jsonFile})`);
      continue;
    }
    const dir = join(dataRoot, `${name}-${opts.images}`);
    let lastPhase = '';
    // A set that cannot be built (e.g. a scene that cannot be placed) is reported; the other sets still run.
    const built = await buildOutOfRangeSet(name, dir, {
      vocabJson: dataset.vocab,
      images: opts.images,
      onProgress: (p) => {
        if (p.phase !== lastPhase || p.done === p.total || p.done % 50 === 0) {
          lastPhase = p.phase;
          io.err(`  ${name}: ${p.phase} ${p.done}/${p.total ?? '?'}`);
        }
      },
    }).catch((error: unknown) => {
      failed.push(name);
      io.err(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    });
    if (!built) continue;
    const dropped = built.dropped.words + built.dropped.program + built.dropped.answer;
    await evaluateSet(
      name,
      built.variant.description,
      { questionsH5: built.questionsH5, featuresH5: built.featuresH5 },
      { images: built.images, dropped },
    );
  }
  save();
  io.out(`results: ${jsonFile} and ${prefix}.md`);
  if (failed.length) {
    io.err(`out-of-range: not evaluated: ${failed.join(', ')} (see above; run again to retry)`);
    return 1;
  }
  return 0;
}
