import { describe, expect, it } from 'vitest';
import { encodeProgram, encodeQuestion } from '../src/data/question-encoding.js';

describe('encodeQuestion', () => {
  const map = { '<NULL>': 0, '<START>': 1, '<END>': 2, '<UNK>': 3, What: 4, is: 5 };

  it('treats words that are names of Object.prototype members as unknown words', () => {
    for (const word of ['valueOf', 'constructor', '__proto__', 'toString']) {
      expect(() => encodeQuestion(`What is ${word}?`, map)).toThrow(
        `question: token '${word}' is not in the vocabulary`,
      );
      expect(encodeQuestion(`What is ${word}?`, map, true)).toEqual([1, 4, 5, 3, 2]);
      expect(() => encodeProgram(word, map)).toThrow(`program: token '${word}' is not in the vocabulary`);
    }
  });
});
