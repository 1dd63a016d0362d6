import { describe, expect, it } from 'vitest';
import { encodeFreeQuestion } from '../src/predict/question-words.js';

const MAP = { '<NULL>': 0, '<START>': 1, '<END>': 2, '<UNK>': 3, Is: 4, there: 5, a: 6, cube: 7 };

describe('encodeFreeQuestion', () => {
  it('matches words as typed, capitalised or lower-cased, and reads the others as <UNK>', () => {
    expect(encodeFreeQuestion('is there a Cube?', MAP)).toEqual({ ids: [1, 4, 5, 6, 7, 2], unknown: [] });
    expect(encodeFreeQuestion('Is there a sphere?', MAP)).toEqual({
      ids: [1, 4, 5, 6, 3, 2],
      unknown: ['sphere'],
    });
  });

  it('reads words named like Object.prototype members as unknown words, not as ids', () => {
    const r = encodeFreeQuestion('Is there a valueOf constructor?', MAP);
    expect(r.unknown).toEqual(['valueOf', 'constructor']);
    expect(r.ids).toEqual([1, 4, 5, 6, 3, 3, 2]);
  });

  it('refuses a question with no known word, quoting it', () => {
    expect(() => encodeFreeQuestion('Wie viele Würfel?', MAP)).toThrow(
      /no word of the question "Wie viele Würfel\?"/,
    );
  });
});
