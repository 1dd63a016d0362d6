import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildTokenMap,
  decodeTokens,
  parseVocab,
  tokensByIndex,
  vocabFromJson,
  vocabToJson,
} from '@mmnet/programs';
import { describe, expect, it } from 'vitest';
import type { Question } from '../src/formats/question-schema.js';
import { buildVocab, encodeQuestions, expandVocab, tokenize } from '../src/vocab/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const seedText = readFileSync(join(here, 'fixtures', 'vocab.seed.json'), 'utf8');

const questions: Question[] = [
  {
    question: 'Are there any red cubes?',
    answer: 'yes',
    image_index: 4,
    question_family_index: 1,
    program: [
      { function: 'scene', inputs: [], value_inputs: [] },
      { function: 'filter_color', inputs: [0], value_inputs: ['red'] },
      { function: 'filter_shape', inputs: [1], value_inputs: ['cube'] },
      { function: 'exist', inputs: [2], value_inputs: [] },
    ],
  },
  {
    question: 'How many things are red; how many?',
    answer: '2',
    image_index: 7,
    program: [
      { function: 'scene', inputs: [], value_inputs: [] },
      { function: 'filter_color', inputs: [0], value_inputs: ['red'] },
      { function: 'count', inputs: [1], value_inputs: [] },
    ],
  },
];

describe('tokenize', () => {
  it('follows the reference rules', () => {
    expect(tokenize('Are there any red cubes?')).toEqual([
      '<START>',
      'Are',
      'there',
      'any',
      'red',
      'cubes',
      '<END>',
    ]);
    expect(tokenize('What is it; the cube?', { addStartToken: false, addEndToken: false })).toEqual([
      'What',
      'is',
      'it',
      ';',
      'the',
      'cube',
    ]);
    expect(tokenize('A  b.', { lowercase: true, addEndToken: false })).toEqual(['<START>', 'a', '', 'b']);
  });
});

describe('vocabulary', () => {
  it('builds the three maps with specials first and sorted tokens', () => {
    const v = buildVocab(questions);
    expect(tokensByIndex(v.question_token_to_idx)).toEqual([
      '<NULL>',
      '<START>',
      '<END>',
      '<UNK>',
      ';',
      'Are',
      'How',
      'any',
      'are',
      'cubes',
      'how',
      'many',
      'red',
      'there',
      'things',
    ]);
    expect(tokensByIndex(v.program_token_to_idx).slice(4)).toEqual([
      'count',
      'exist',
      'filter_color[red]',
      'filter_shape[cube]',
      'scene',
    ]);
    expect(v.answer_token_to_idx).toEqual({
      '<NULL>': 0,
      '<START>': 1,
      '<END>': 2,
      '<UNK>': 3,
      '2': 4,
      yes: 5,
    });
    expect(buildVocab(questions, { minTokenCount: 2 }).question_token_to_idx).toEqual({
      '<NULL>': 0,
      '<START>': 1,
      '<END>': 2,
      '<UNK>': 3,
      many: 4,
      red: 5,
    });
  });

  it('round trips through JSON text', () => {
    const v = buildVocab(questions);
    const text = vocabToJson(v);
    expect(vocabFromJson(text)).toEqual(v);
    expect(vocabToJson(vocabFromJson(text))).toBe(text);
  });

  it('loads the reference vocab.seed.json (copied into test/fixtures)', () => {
    const v = vocabFromJson(seedText, 'vocab.seed.json');
    expect(Object.keys(v.question_token_to_idx)).toHaveLength(93);
    expect(v.program_token_to_idx['filter_color[red]']).toBe(17);
    expect(v.program_token_to_idx.scene).toBe(41);
    expect(v.answer_token_to_idx.yes).toBe(31);
    // Our token ordering reproduces the reference maps from the same tokens (Python's sorted order).
    for (const part of ['question_token_to_idx', 'program_token_to_idx', 'answer_token_to_idx'] as const) {
      const tokens = Object.keys(v[part]).filter((t) => !t.startsWith('<'));
      expect(buildTokenMap([tokens.reverse()])).toEqual(v[part]);
    }
  });

  it('rejects bad layouts with a clear error', () => {
    const seed = JSON.parse(seedText);
    const noNull = structuredClone(seed);
    delete noNull.answer_token_to_idx['<NULL>'];
    expect(() => parseVocab(noNull, 'v.json')).toThrow(
      "v.json: answer_token_to_idx: '<NULL>' must have index 0 (got none)",
    );
    const moved = structuredClone(seed);
    moved.program_token_to_idx['<NULL>'] = 5;
    expect(() => parseVocab(moved)).toThrow(/program_token_to_idx: '<NULL>' must have index 0 \(got 5\)/);
    const dup = structuredClone(seed);
    dup.question_token_to_idx.zebra = 4;
    expect(() => parseVocab(dup)).toThrow(/share index 4/);
    const gap = structuredClone(seed);
    gap.answer_token_to_idx.zebra = 99;
    expect(() => parseVocab(gap)).toThrow(/without gaps/);
    expect(() => parseVocab({ question_token_to_idx: seed.question_token_to_idx })).toThrow(
      'vocab: program_token_to_idx: missing or not an object of token -> index',
    );
    expect(() => vocabFromJson('{', 'bad.json')).toThrow(/^bad\.json: not valid JSON/);
  });

  it('expands a vocabulary without moving existing tokens', () => {
    const seed = vocabFromJson(seedText);
    const extra: Question[] = [{ question: 'Is the zebra purple?', answer: 'maybe', image_index: 0 }];
    const v = expandVocab(seed, extra);
    expect(v.question_token_to_idx.zebra).toBe(93);
    expect(v.question_token_to_idx.Is).toBe(seed.question_token_to_idx.Is);
    expect(v.answer_token_to_idx.maybe).toBeUndefined();
    const v2 = expandVocab(seed, extra, { parts: { answers: true } });
    expect(v2.answer_token_to_idx.maybe).toBe(32);
    expect(v2.question_token_to_idx.zebra).toBeUndefined();
  });
});

describe('encoding', () => {
  it('encodes padded arrays in prefix order', () => {
    const v = vocabFromJson(seedText);
    const e = encodeQuestions(questions, v, { tokenize: { lowercase: false }, allowUnk: true });
    expect(e.count).toBe(2);
    expect(e.questionLength).toBe(10);
    const q0 = Array.from(e.questions.subarray(0, 10));
    const qi = v.question_token_to_idx;
    expect(q0).toEqual([1, qi.Are, qi.there, qi.any, qi.red, qi.cubes, 2, 0, 0, 0]);
    const p = v.program_token_to_idx;
    expect(e.programLength).toBe(6);
    expect(Array.from(e.programs!.subarray(0, 6))).toEqual([
      1,
      p.exist,
      p['filter_shape[cube]'],
      p['filter_color[red]'],
      p.scene,
      2,
    ]);
    expect(Array.from(e.programs!.subarray(6, 12))).toEqual([
      1,
      p.count,
      p['filter_color[red]'],
      p.scene,
      2,
      0,
    ]);
    expect(Array.from(e.answers)).toEqual([v.answer_token_to_idx.yes, v.answer_token_to_idx['2']]);
    expect(Array.from(e.imageIndices)).toEqual([4, 7]);
    expect(Array.from(e.questionFamilies)).toEqual([1, -1]);
    expect(decodeTokens(e.programs!.subarray(0, 6), tokensByIndex(v.program_token_to_idx))).toEqual([
      'exist',
      'filter_shape[cube]',
      'filter_color[red]',
      'scene',
    ]);
  });

  it('fails on unknown tokens unless allowed, naming the question', () => {
    const v = vocabFromJson(seedText);
    const q: Question[] = [{ question: 'Is the zebra red?', answer: 'yes', image_index: 0 }];
    expect(() => encodeQuestions(q, v)).toThrow(
      "questions[0].question: token 'zebra' is not in the vocabulary",
    );
    expect(encodeQuestions(q, v, { allowUnk: true }).questions[3]).toBe(3);
    expect(() => encodeQuestions(questions, v, { questionLength: 5 })).toThrow(
      /questions\[0\]: the question has 7 tokens/,
    );
  });
});
