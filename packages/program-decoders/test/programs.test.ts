import { END_ID, ProgramVocabulary } from '@mmnet/programs';
import { describe, expect, it } from 'vitest';
import {
  countStatuses,
  curriculumLength,
  gumbelTemperature,
  LearningDecoderConfigSchema,
  repairPrefixProgram,
} from '../src/index.js';
import { syntheticVocab } from './synthetic-questions.js';

const vocab = new ProgramVocabulary(syntheticVocab().program_token_to_idx);
const id = (t: string) => vocab.id(t);
const arity = (i: number) => vocab.arity(i);
const repair = (tokens: string[], raw: number[] = []) =>
  repairPrefixProgram([...tokens.map(id), ...raw], arity, vocab.sceneId);

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
