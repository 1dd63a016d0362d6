import { describe, expect, it } from 'vitest';
import {
  clevrTokenArity,
  countStatuses,
  curriculumLength,
  END_ID,
  gumbelTemperature,
  LearningDecoderConfigSchema,
  ProgramVocabulary,
  repairPrefixProgram,
} from '../src/index.js';
import { syntheticVocab } from './synthetic-questions.js';

const vocab = new ProgramVocabulary(syntheticVocab().program_token_to_idx);
const id = (t: string) => vocab.id(t);
const arity = (i: number) => vocab.arity(i);
const repair = (tokens: string[], raw: number[] = []) =>
  repairPrefixProgram([...tokens.map(id), ...raw], arity, vocab.sceneId);

describe('program vocabulary', () => {
  it('gives CLEVR arities and rejects a bad layout naming the token', () => {
    expect(clevrTokenArity('scene')).toBe(0);
    expect(clevrTokenArity('equal_color')).toBe(2);
    expect(clevrTokenArity('intersect')).toBe(2);
    expect(clevrTokenArity('filter_color[red]')).toBe(1);
    expect(clevrTokenArity('<END>')).toBe(-1);
    expect(vocab.arity(id('greater_than'))).toBe(2);
    expect(vocab.functionIds()).not.toContain(vocab.sceneId);
    expect(
      () => new ProgramVocabulary({ '<NULL>': 0, '<START>': 2, '<END>': 1, '<UNK>': 3, scene: 4 }),
    ).toThrow(/index 1 must be '<START>'/);
    expect(() => new ProgramVocabulary({ '<NULL>': 0, '<START>': 1, '<END>': 2, '<UNK>': 3, a: 5 })).toThrow(
      /token 'a' has index 5/,
    );
    expect(() => vocab.id('filter_size[huge]')).toThrow(/'filter_size\[huge\]'/);
  });
});

describe('repair rule for decoded programs', () => {
  it('keeps a complete program that ends with <END>', () => {
    const r = repair(['count', 'filter_color[red]', 'scene'], [END_ID]);
    expect(r.status).toBe('valid');
    expect(r.tokens).toEqual(['count', 'filter_color[red]', 'scene'].map(id));
    expect(r.steps).toEqual([0, 1, 2]);
  });

  it('pads missing inputs with scene leaves', () => {
    const r = repair(['greater_than', 'count', 'filter_color[red]'], [END_ID]);
    expect(r.status).toBe('padded');
    expect(r.tokens).toEqual(['greater_than', 'count', 'filter_color[red]', 'scene', 'scene'].map(id));
    expect(r.steps).toEqual([0, 1, 2, -1, -1]);
    expect(repairPrefixProgram([END_ID], arity, vocab.sceneId)).toEqual({
      tokens: [vocab.sceneId],
      steps: [-1],
      status: 'padded',
    });
    // A special token other than <END> also stops the sequence.
    expect(repairPrefixProgram([id('count'), 3, id('scene')], arity, vocab.sceneId).tokens).toEqual([
      id('count'),
      vocab.sceneId,
    ]);
  });

  it('drops tokens after the tree is complete', () => {
    const r = repair(['count', 'scene', 'unique', 'scene'], [END_ID]);
    expect(r.status).toBe('truncated');
    expect(r.tokens).toEqual(['count', 'scene'].map(id));
    expect(countStatuses([r, repair(['scene'], [END_ID]), repair(['count'])])).toEqual({
      valid: 1,
      padded: 1,
      truncated: 1,
    });
  });
});

describe('schedules', () => {
  it('grows the curriculum length on schedule and anneals the gumbel temperature', () => {
    const config = LearningDecoderConfigSchema.parse({
      curriculum: { start: 3, increment: 2, every: 10, max: 8 },
      gumbel: { start: 2, min: 0.5, decayRate: 0.1 },
    });
    expect([0, 9, 10, 19, 20, 30, 1000].map((s) => curriculumLength(config.curriculum, s))).toEqual([
      3, 3, 5, 5, 7, 8, 8,
    ]);
    expect(gumbelTemperature(config.gumbel, 0)).toBe(2);
    expect(gumbelTemperature(config.gumbel, 10)).toBeCloseTo(2 * Math.exp(-1), 6);
    expect(gumbelTemperature(config.gumbel, 100)).toBe(0.5);
    expect(() => LearningDecoderConfigSchema.parse({ curriculum: { start: 9, max: 4 } })).toThrow(/start/);
    expect(() => LearningDecoderConfigSchema.parse({ mode: 'sharp' })).toThrow();
  });
});
