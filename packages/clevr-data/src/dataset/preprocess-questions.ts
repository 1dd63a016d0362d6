import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { prepareOutputFile, writeFileAtomicAsync } from '@mmnet/core-tensors';
import {
  buildTokenMap,
  expandTokenMap,
  type TokenMap,
  type Vocab,
  vocabFromJson,
  vocabToJson,
} from '@mmnet/programs';
import { z } from 'zod';
import type { Question } from '../formats/question-schema.js';
import { type H5IntDtype, writeQuestionsH5 } from '../h5/questions-h5.js';
import { streamQuestionsFile } from '../io/clevr-json.js';
import type { ProgressCallback } from '../io/progress.js';
import { checkLimit, DEFAULT_INPUT_LIMITS } from '../limits/input-limits.js';
import { fileDigest, shardMeta, shardRange, shardSchema } from '../shards/shards.js';
import { programTokens } from '../vocab/build.js';
import { encodeTokens } from '../vocab/encode.js';
import { tokenize } from '../vocab/tokenize.js';
import { IntColumn, IntRows } from './int-rows.js';

/** The options of the reference `preprocess_questions.py`, in camelCase (the CLI keeps the snake_case flags). */
export const preprocessQuestionsConfigSchema = z
  .object({
    inputQuestionsJson: z.string().min(1),
    inputVocabJson: z.string().min(1).optional(),
    /** With an input vocab: add the new question words at the end of its question map. */
    expandVocab: z.boolean().default(false),
    outputH5File: z.string().min(1),
    outputVocabJson: z.string().min(1).optional(),
    /** Program token order. */
    mode: z.enum(['prefix', 'postfix']).default('prefix'),
    /** Question words seen fewer times are left out of a built vocabulary. */
    unkThreshold: z.number().int().min(1).default(1),
    /** Encode unknown question words as `<UNK>` instead of failing. */
    encodeUnk: z.boolean().default(false),
    /** Integer width of the HDF5 arrays. */
    h5Dtype: z.enum(['int64', 'int32']).default('int32'),
    /** Longest encoded question accepted, in tokens with <START>/<END> (see `InputLimits`). */
    maxQuestionLength: z.number().int().positive().default(DEFAULT_INPUT_LIMITS.maxQuestionLength),
    /** Longest encoded program accepted, in tokens with <START>/<END> (see `InputLimits`). */
    maxProgramLength: z.number().int().positive().default(DEFAULT_INPUT_LIMITS.maxProgramLength),
    /**
     * Only shard `index` of `count`: its contiguous range of the questions (rows keep their `orig_idxs`), into its
     * own file, which `mergeQuestionShards` joins with the others. A built vocabulary comes from the whole file.
     */
    shard: shardSchema.optional(),
  })
  .refine((c) => c.inputVocabJson !== undefined || c.outputVocabJson !== undefined, {
    message: 'give an input vocab (input_vocab_json) or an output vocab (output_vocab_json), or both',
    path: ['inputVocabJson'],
  });
export type PreprocessQuestionsConfig = z.input<typeof preprocessQuestionsConfigSchema>;

export interface PreprocessQuestionsResult {
  questions: number;
  questionLength: number;
  programLength: number;
  hasPrograms: boolean;
  hasAnswers: boolean;
  vocabSizes: { questions: number; programs: number; answers: number };
  /** Question words added to the input vocab by expandVocab. */
  newWords: string[];
  /** With a shard: its rows [start, end) of the file's `total` questions. */
  shard?: { start: number; end: number; total: number };
}

/** Meta keys every shard of one preprocessing shares (settings that change the arrays, and the inputs). */
export const QUESTION_SHARD_KEYS = ['questions_digest', 'vocab_digest', 'mode', 'encode_unk', 'h5_dtype'];

/** How question text is split into words (the reference's tokenize options). */
export const QUESTION_TOKENIZE = { punctToKeep: [';', ','], punctToRemove: ['?', '.'] } as const;

/** Yields each token `count` times (to feed counted tokens to `buildTokenMap`). */
function* countedSequences(counts: Map<string, number>): Generator<string[]> {
  for (const [token, count] of counts) yield new Array<string>(count).fill(token);
}

function bump(counts: Map<string, number>, tokens: readonly string[]): void {
  for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
}

/** One streaming pass counting question words, program tokens and answers (what the vocabulary is built from). */
async function countTokens(
  file: string,
  mode: 'prefix' | 'postfix',
  hooks: { onProgress?: ProgressCallback; signal?: AbortSignal },
) {
  const words = new Map<string, number>();
  const programs = new Map<string, number>();
  const answers = new Map<string, number>();
  let index = 0;
  for await (const q of streamQuestionsFile(file, hooks)) {
    bump(words, tokenize(q.question, { ...QUESTION_TOKENIZE, addStartToken: false, addEndToken: false }));
    const p = programTokenList(q, mode, index, file);
    if (p) bump(programs, p);
    if (q.answer !== undefined) bump(answers, [q.answer]);
    index++;
  }
  return { words, programs, answers, questions: index };
}

function programTokenList(
  q: Question,
  mode: 'prefix' | 'postfix',
  index: number,
  file: string,
): string[] | null {
  try {
    return programTokens(q, mode, index);
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
}

/**
 * Turns a CLEVR questions JSON into the reference's questions.h5 (+ vocab.json), streaming the JSON: one pass
 * to count tokens when a vocabulary is built or expanded, one pass to encode. Rows are `<START> ... <END>`
 * padded with `<NULL>`; programs in prefix or postfix order. Both files are written atomically at the end.
 */
export async function preprocessQuestions(
  config: PreprocessQuestionsConfig,
  hooks: { onProgress?: ProgressCallback; signal?: AbortSignal } = {},
): Promise<PreprocessQuestionsResult> {
  const cfg = preprocessQuestionsConfigSchema.parse(config);
  const file = cfg.inputQuestionsJson;
  const limits = {
    ...DEFAULT_INPUT_LIMITS,
    maxQuestionLength: cfg.maxQuestionLength,
    maxProgramLength: cfg.maxProgramLength,
  };
  // Both outputs are checked before reading anything: a bad vocab path must not fail after the .h5 is written.
  prepareOutputFile(cfg.outputH5File, 'output_h5_file');
  if (cfg.outputVocabJson) prepareOutputFile(cfg.outputVocabJson, 'output_vocab_json');
  let vocab: Vocab | undefined;
  if (cfg.inputVocabJson) {
    let text: string;
    try {
      text = await readFile(cfg.inputVocabJson, 'utf8');
    } catch (err) {
      throw new Error(`${cfg.inputVocabJson}: cannot read vocab (${(err as Error).message})`);
    }
    vocab = vocabFromJson(text, cfg.inputVocabJson);
  }
  const newWords: string[] = [];
  // A sharded run counts too: it needs the number of questions (and every shard builds the same vocabulary).
  const counts =
    !vocab || cfg.expandVocab || cfg.shard ? await countTokens(file, cfg.mode, hooks) : undefined;
  let range: { start: number; end: number } | undefined;
  if (cfg.shard && counts) {
    range = shardRange(counts.questions, cfg.shard);
    if (range.end === range.start)
      throw new Error(
        `shard ${cfg.shard.index}/${cfg.shard.count} holds no questions: ${file} has ${counts.questions} for ${cfg.shard.count} shards`,
      );
  }
  if (!vocab || cfg.expandVocab) {
    const { words, programs: programCounts, answers: answerCounts } = counts!;
    const questionMap = buildTokenMap(countedSequences(words), { minTokenCount: cfg.unkThreshold });
    if (!vocab) {
      vocab = {
        question_token_to_idx: questionMap,
        program_token_to_idx: buildTokenMap(countedSequences(programCounts)),
        answer_token_to_idx: buildTokenMap(countedSequences(answerCounts)),
      };
    } else {
      const before = vocab.question_token_to_idx;
      const expanded: TokenMap = expandTokenMap(before, [Object.keys(questionMap)]);
      newWords.push(...Object.keys(expanded).filter((t) => !(t in before)));
      vocab = { ...vocab, question_token_to_idx: expanded };
    }
  }
  const v = vocab;

  const questions = new IntRows();
  const programs = new IntRows();
  const answers = new IntColumn();
  const families = new IntColumn();
  const imageIdxs = new IntColumn();
  let withoutProgram = -1;
  let withoutAnswer = -1;
  let withoutFamily = -1;
  let index = 0;
  let rows = 0;
  for await (const q of streamQuestionsFile(file, hooks)) {
    if (range && (index < range.start || index >= range.end)) {
      index++;
      continue;
    }
    rows++;
    const where = `${file}: questions[${index}]`;
    imageIdxs.push(q.image_index);
    const words = tokenize(q.question, QUESTION_TOKENIZE);
    checkLimit(limits, 'maxQuestionLength', words.length, `${where}.question`, 'the length in tokens');
    questions.push(encodeTokens(words, v.question_token_to_idx, cfg.encodeUnk, `${where}.question`));
    const p = programTokenList(q, cfg.mode, index, file);
    if (p) checkLimit(limits, 'maxProgramLength', p.length + 2, `${where}.program`, 'the length in tokens');
    if (p)
      programs.push(
        encodeTokens(['<START>', ...p, '<END>'], v.program_token_to_idx, false, `${where}.program`),
      );
    else if (withoutProgram < 0) withoutProgram = index;
    if (q.answer !== undefined)
      answers.push(encodeTokens([q.answer], v.answer_token_to_idx, false, `${where}.answer`)[0]);
    else if (withoutAnswer < 0) withoutAnswer = index;
    if (q.question_family_index !== undefined) families.push(q.question_family_index);
    else if (withoutFamily < 0) withoutFamily = index;
    index++;
  }
  if (rows === 0) throw new Error(`${file}: no questions`);
  const allOrNone = (what: string, have: number, firstMissing: number) => {
    if (have > 0 && have < rows) {
      throw new Error(`${file}: questions[${firstMissing}] has no ${what} but ${have} other questions do`);
    }
    return have === rows;
  };
  const hasPrograms = allOrNone('program', programs.count, withoutProgram);
  const hasAnswers = allOrNone('answer', answers.count, withoutAnswer);
  const hasFamilies = allOrNone('question_family_index', families.count, withoutFamily);

  const questionMatrix = questions.toMatrix();
  const programMatrix = hasPrograms ? programs.toMatrix() : undefined;
  const start = range?.start ?? 0;
  const vocabJson = vocabToJson(v);
  // A shard records what every shard of one run shares; `mergeQuestionShards` checks it.
  const meta =
    cfg.shard && range
      ? {
          ...shardMeta(cfg.shard, range, index, { questions_digest: await fileDigest(file) }),
          vocab_digest: createHash('sha256').update(vocabJson).digest('hex').slice(0, 32),
          mode: cfg.mode,
          encode_unk: cfg.encodeUnk ? 1 : 0,
          h5_dtype: cfg.h5Dtype,
        }
      : undefined;
  await writeQuestionsH5(
    cfg.outputH5File,
    {
      questions: questionMatrix,
      imageIdxs: imageIdxs.toArray(),
      origIdxs: Int32Array.from({ length: rows }, (_, i) => start + i),
      programs: programMatrix,
      answers: hasAnswers ? answers.toArray() : undefined,
      questionFamilies: hasFamilies ? families.toArray() : undefined,
    },
    { dtype: cfg.h5Dtype as H5IntDtype, meta },
  );
  if (cfg.outputVocabJson) await writeFileAtomicAsync(cfg.outputVocabJson, vocabJson);
  return {
    shard: range && { ...range, total: index },
    questions: rows,
    questionLength: questionMatrix.cols,
    programLength: programMatrix?.cols ?? 0,
    hasPrograms,
    hasAnswers,
    vocabSizes: {
      questions: Object.keys(v.question_token_to_idx).length,
      programs: Object.keys(v.program_token_to_idx).length,
      answers: Object.keys(v.answer_token_to_idx).length,
    },
    newWords,
  };
}
