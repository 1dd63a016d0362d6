import { createRng, tf } from '@mmnet/core-tensors';
import type { ProgramGeneratorVocab } from '../src/index.js';

/**
 * A small CLEVR-like question -> program task for the tests: a few question shapes, each with its own
 * program shape, filled with random colours, shapes and relations.
 */
const COLORS = ['red', 'blue', 'green', 'gray'];
const SHAPES = ['cube', 'sphere', 'cylinder'];
const RELATIONS = ['left', 'right', 'front', 'behind'];

interface Example {
  question: string[];
  program: string[];
}

function example(rng: ReturnType<typeof createRng>): Example {
  const c = rng.choice(COLORS);
  const c2 = rng.choice(COLORS);
  const s = rng.choice(SHAPES);
  const r = rng.choice(RELATIONS);
  switch (rng.int(4)) {
    case 0:
      return {
        question: ['how', 'many', c, `${s}s`, 'are', 'there', '?'],
        program: ['count', `filter_shape[${s}]`, `filter_color[${c}]`, 'scene'],
      };
    case 1:
      return {
        question: ['is', 'there', 'a', c, 'thing', r, 'of', 'the', s, '?'],
        program: ['exist', `filter_color[${c}]`, `relate[${r}]`, 'unique', `filter_shape[${s}]`, 'scene'],
      };
    case 2:
      return {
        question: ['are', 'there', 'more', c, 'things', 'than', c2, 'things', '?'],
        program: [
          'greater_than',
          'count',
          `filter_color[${c}]`,
          'scene',
          'count',
          `filter_color[${c2}]`,
          'scene',
        ],
      };
    default:
      return {
        question: ['what', 'color', 'is', 'the', s, r, 'of', 'the', c, 'thing', '?'],
        program: [
          'query_color',
          'unique',
          `filter_shape[${s}]`,
          `relate[${r}]`,
          'unique',
          `filter_color[${c}]`,
          'scene',
        ],
      };
  }
}

function tokenMap(tokens: Iterable<string>): Record<string, number> {
  const map: Record<string, number> = { '<NULL>': 0, '<START>': 1, '<END>': 2, '<UNK>': 3 };
  for (const t of [...new Set(tokens)].sort()) map[t] = Object.keys(map).length;
  return map;
}

export function syntheticVocab(): ProgramGeneratorVocab {
  const words = [
    'how',
    'many',
    'are',
    'there',
    '?',
    'is',
    'a',
    'thing',
    'of',
    'the',
    'more',
    'things',
    'than',
    'what',
    'color',
  ];
  words.push(...COLORS, ...SHAPES, ...SHAPES.map((s) => `${s}s`), ...RELATIONS);
  const programs = ['count', 'exist', 'unique', 'scene', 'greater_than', 'query_color'];
  programs.push(...COLORS.map((c) => `filter_color[${c}]`), ...SHAPES.map((s) => `filter_shape[${s}]`));
  programs.push(...RELATIONS.map((r) => `relate[${r}]`));
  return { question_token_to_idx: tokenMap(words), program_token_to_idx: tokenMap(programs) };
}

export interface SyntheticBatch {
  questions: Int32Array;
  questionLength: number;
  programs: Int32Array;
  programLength: number;
  count: number;
}

/** Encoded examples: `<START> tokens <END>` rows padded with `<NULL>`. */
export function syntheticBatch(vocab: ProgramGeneratorVocab, count: number, seed: number): SyntheticBatch {
  const rng = createRng(seed);
  const examples = Array.from({ length: count }, () => example(rng));
  const questionLength = 13;
  const programLength = 10;
  const questions = new Int32Array(count * questionLength);
  const programs = new Int32Array(count * programLength);
  examples.forEach((e, i) => {
    ['<START>', ...e.question, '<END>'].forEach((t, k) => {
      questions[i * questionLength + k] = vocab.question_token_to_idx[t];
    });
    ['<START>', ...e.program, '<END>'].forEach((t, k) => {
      programs[i * programLength + k] = vocab.program_token_to_idx[t];
    });
  });
  return { questions, questionLength, programs, programLength, count };
}

export function batchTensors(batch: SyntheticBatch, from = 0, size = batch.count) {
  return {
    questions: tf.tensor2d(
      batch.questions.subarray(from * batch.questionLength, (from + size) * batch.questionLength),
      [size, batch.questionLength],
      'int32',
    ),
    programs: tf.tensor2d(
      batch.programs.subarray(from * batch.programLength, (from + size) * batch.programLength),
      [size, batch.programLength],
      'int32',
    ),
  };
}
