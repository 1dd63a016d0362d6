import { initBackend, tf } from '@mmnet/core-tensors';
import { createProgramGenerator } from '@mmnet/program-decoders';
import { NULL_ID } from '@mmnet/programs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  teacherForcedProgramLoss,
  withoutPaddingColumns,
} from '../src/models/adapters/program-generator-part.js';

const vocab = {
  question_token_to_idx: {
    '<NULL>': 0,
    '<START>': 1,
    '<END>': 2,
    '<UNK>': 3,
    how: 4,
    many: 5,
    red: 6,
    cubes: 7,
  },
  program_token_to_idx: {
    '<NULL>': 0,
    '<START>': 1,
    '<END>': 2,
    '<UNK>': 3,
    scene: 4,
    'filter_color[red]': 5,
    'filter_shape[cube]': 6,
    count: 7,
  },
};

/** Rows padded with `<NULL>` to `width`. */
function padded(rows: number[][], width: number): Int32Array {
  return Int32Array.from(rows.flatMap((r) => [...r, ...new Array(width - r.length).fill(NULL_ID)]));
}

describe("the program generator's teacher-forced loss", () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'cpu', log: null });
  });

  it('drops only the columns that are <NULL> in every row', () => {
    const rows = {
      data: padded(
        [
          [1, 4, 7, 2],
          [1, 4, 5, 6, 7, 2],
        ],
        9,
      ),
      shape: [2, 9] as [number, number],
    };
    const tight = withoutPaddingColumns(rows);
    expect(tight.shape).toEqual([2, 6]);
    expect([...tight.data]).toEqual([
      ...padded(
        [
          [1, 4, 7, 2],
          [1, 4, 5, 6, 7, 2],
        ],
        6,
      ),
    ]);
    expect(withoutPaddingColumns(tight)).toBe(tight);
  });

  it('is the same with extra padding columns in the questions and the programs', () => {
    const { generator } = createProgramGenerator(
      { encoderWordvecDim: 4, decoderWordvecDim: 4, hiddenDim: 6, numLayers: 1 },
      vocab,
      { seed: 1 },
    );
    const questions = [
      [1, 4, 5, 6, 7, 2],
      [1, 4, 5, 7, 2],
    ];
    const programs = [
      [1, 7, 5, 6, 4, 2],
      [1, 7, 6, 4, 2],
    ];
    const loss = (qWidth: number, pWidth: number) =>
      tf.tidy(() => {
        const out = teacherForcedProgramLoss(
          generator,
          {
            questions: padded(questions, qWidth),
            questionLength: qWidth,
            programs: padded(programs, pWidth),
            programLength: pWidth,
          },
          'test',
        );
        return { loss: out.loss.dataSync()[0], exactMatch: out.exactMatch };
      });
    const tight = loss(6, 6);
    const wide = loss(11, 14);
    expect(wide.exactMatch).toBe(tight.exactMatch);
    expect(Math.abs(wide.loss - tight.loss)).toBeLessThan(1e-6);
    expect(tight.loss).toBeGreaterThan(0);
  });
});
