import {
  type BuildTokenMapOptions,
  buildTokenMap,
  expandTokenMap,
  stepsToTree,
  treeToPostfix,
  treeToPrefix,
  type Vocab,
} from '@mmnet/programs';
import type { Question } from '../formats/question-schema.js';
import { type TokenizeOptions, tokenize } from './tokenize.js';

export type ProgramOrder = 'prefix' | 'postfix';

export interface QuestionVocabOptions extends BuildTokenMapOptions {
  tokenize?: Omit<TokenizeOptions, 'addStartToken' | 'addEndToken'>;
  programOrder?: ProgramOrder;
}

/** The program tokens of a question in the given order (prefix by default, as the reference). */
export function programTokens(
  question: Question,
  order: ProgramOrder = 'prefix',
  index = 0,
): string[] | null {
  if (!question.program) return null;
  try {
    const tree = stepsToTree(question.program);
    return order === 'prefix' ? treeToPrefix(tree) : treeToPostfix(tree);
  } catch (e) {
    throw new Error(`questions[${index}].program: ${(e as Error).message}`);
  }
}

function questionSequences(questions: readonly Question[], options: QuestionVocabOptions): string[][] {
  return questions.map((q) =>
    tokenize(q.question, { ...options.tokenize, addStartToken: false, addEndToken: false }),
  );
}

function programSequences(questions: readonly Question[], options: QuestionVocabOptions): string[][] {
  return questions.flatMap((q, i) => {
    const t = programTokens(q, options.programOrder, i);
    return t ? [t] : [];
  });
}

function answerSequences(questions: readonly Question[]): string[][] {
  return questions.flatMap((q) => (q.answer === undefined ? [] : [[q.answer]]));
}

/** Builds question, program and answer vocabularies from questions (as the reference preprocessing). */
export function buildVocab(questions: readonly Question[], options: QuestionVocabOptions = {}): Vocab {
  return {
    question_token_to_idx: buildTokenMap(questionSequences(questions, options), options),
    program_token_to_idx: buildTokenMap(programSequences(questions, options), options),
    answer_token_to_idx: buildTokenMap(answerSequences(questions), options),
  };
}

export interface ExpandVocabOptions extends QuestionVocabOptions {
  /** Which maps to grow (default: only the question map, as the reference's --expand_vocab). */
  parts?: { questions?: boolean; programs?: boolean; answers?: boolean };
}

/** Adds tokens of `questions` missing from `vocab` at the end of the chosen maps; existing indices stay. */
export function expandVocab(
  vocab: Vocab,
  questions: readonly Question[],
  options: ExpandVocabOptions = {},
): Vocab {
  const parts = options.parts ?? { questions: true };
  return {
    question_token_to_idx: parts.questions
      ? expandTokenMap(vocab.question_token_to_idx, questionSequences(questions, options))
      : { ...vocab.question_token_to_idx },
    program_token_to_idx: parts.programs
      ? expandTokenMap(vocab.program_token_to_idx, programSequences(questions, options))
      : { ...vocab.program_token_to_idx },
    answer_token_to_idx: parts.answers
      ? expandTokenMap(vocab.answer_token_to_idx, answerSequences(questions))
      : { ...vocab.answer_token_to_idx },
  };
}
