import { END_TOKEN, START_TOKEN, type TokenMap, UNK_ID, UNK_TOKEN, type Vocab } from '@mmnet/programs';
import type { Question } from '../formats/question-schema.js';
import { type ProgramOrder, programTokens } from './build.js';
import { type TokenizeOptions, tokenize } from './tokenize.js';

export interface EncodeOptions {
  tokenize?: Omit<TokenizeOptions, 'addStartToken' | 'addEndToken'>;
  programOrder?: ProgramOrder;
  /** Map unknown tokens and answers to `<UNK>` instead of failing (default false). */
  allowUnk?: boolean;
  /** Pad questions to this length (with `<START>`/`<END>`); default: the longest question. */
  questionLength?: number;
  /** Pad programs to this length (with `<START>`/`<END>`); default: the longest program. */
  programLength?: number;
}

/**
 * Questions encoded as padded integer arrays (row-major, one row per question), as the reference's
 * questions.h5: rows are `<START> tokens <END>` padded with `<NULL>`=0.
 */
export interface EncodedQuestions {
  count: number;
  questions: Int32Array;
  questionLength: number;
  /** null when no question has a program. */
  programs: Int32Array | null;
  programLength: number;
  /** Answer index per question; -1 when the question has no answer (test split). */
  answers: Int32Array;
  imageIndices: Int32Array;
  /** question_family_index per question; -1 when absent. */
  questionFamilies: Int32Array;
  /** Position of each question in the input list. */
  origIndices: Int32Array;
}

/** Encodes a token sequence; unknown tokens fail (naming `where`) unless allowUnk. */
export function encodeTokens(
  tokens: readonly string[],
  map: TokenMap,
  allowUnk: boolean,
  where: string,
): number[] {
  return tokens.map((t) => {
    const idx = Object.hasOwn(map, t) ? map[t] : undefined;
    if (idx !== undefined) return idx;
    if (allowUnk && map[UNK_TOKEN] !== undefined) return UNK_ID;
    throw new Error(`${where}: token '${t}' is not in the vocabulary`);
  });
}

function longest(rows: readonly number[][]): number {
  let n = 0;
  for (const r of rows) if (r.length > n) n = r.length;
  return n;
}

function pad(rows: number[][], length: number, what: string): Int32Array {
  const out = new Int32Array(rows.length * length);
  rows.forEach((row, i) => {
    if (row.length > length) {
      throw new Error(`questions[${i}]: ${what} has ${row.length} tokens but the length is ${length}`);
    }
    out.set(row, i * length);
  });
  return out;
}

/** Encodes questions, programs, answers, image indices and families into typed arrays (pure). */
export function encodeQuestions(
  questions: readonly Question[],
  vocab: Vocab,
  options: EncodeOptions = {},
): EncodedQuestions {
  const allowUnk = options.allowUnk ?? false;
  const qRows = questions.map((q, i) =>
    encodeTokens(
      tokenize(q.question, options.tokenize),
      vocab.question_token_to_idx,
      allowUnk,
      `questions[${i}].question`,
    ),
  );
  const withProgram = questions.filter((q) => q.program).length;
  let pRows: number[][] | null = null;
  if (withProgram > 0) {
    pRows = questions.map((q, i) => {
      const tokens = programTokens(q, options.programOrder, i);
      if (!tokens) throw new Error(`questions[${i}]: has no program but ${withProgram} other questions do`);
      return encodeTokens(
        [START_TOKEN, ...tokens, END_TOKEN],
        vocab.program_token_to_idx,
        allowUnk,
        `questions[${i}].program`,
      );
    });
  }
  const answers = Int32Array.from(questions, (q, i) => {
    if (q.answer === undefined) return -1;
    return encodeTokens([q.answer], vocab.answer_token_to_idx, allowUnk, `questions[${i}].answer`)[0];
  });
  const questionLength = options.questionLength ?? longest(qRows);
  const programLength = pRows ? (options.programLength ?? longest(pRows)) : 0;
  return {
    count: questions.length,
    questions: pad(qRows, questionLength, 'the question'),
    questionLength,
    programs: pRows ? pad(pRows, programLength, 'the program') : null,
    programLength,
    answers,
    imageIndices: Int32Array.from(questions, (q) => q.image_index),
    questionFamilies: Int32Array.from(questions, (q) => q.question_family_index ?? -1),
    origIndices: Int32Array.from(questions, (_, i) => i),
  };
}
