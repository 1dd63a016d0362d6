import { initBackend, tf } from '@mmnet/core-tensors';
import { createProgramGenerator } from '@mmnet/program-decoders';
import { NULL_ID } from '@mmnet/programs';
import { beforeAll, describe, expect, it } from 'vitest';
import { teacherForcedProgramLoss } from '../src/models/adapters/program-generator-part.js';
import { tinyVocab } from './fixtures/tiny-dataset.js';

const vocab = tinyVocab();
const q = vocab.question_token_to_idx;
const p = vocab.program_token_to_idx;

/** Rows padded with `<NULL>` to `width`. */
function padded(rows: number[][], width: number): Int32Array {
  return Int32Array.from(rows.flatMap((r) => [...r, ...new Array(width - r.length).fill(NULL_ID)]));
}

describe("the program generator's teacher-forced loss", () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'cpu', log: null });
  });

  it('is the same with extra padding columns in the questions and the programs', () => {
    const { generator } = createProgramGenerator(
      { encoderWordvecDim: 4, decoderWordvecDim: 4, hiddenDim: 6, numLayers: 1 },
      vocab,
      { seed: 1 },
    );
    // How many red things / How many things, and count(filter_color[red](scene)) / count(scene).
    const questions = [
      [q['<START>'], q.How, q.many, q.red, q.things, q['<END>']],
      [q['<START>'], q.How, q.many, q.things, q['<END>']],
    ];
    const programs = [
      [p['<START>'], p.count, p['filter_color[red]'], p.scene, p['<END>']],
      [p['<START>'], p.count, p.scene, p['<END>']],
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
    const tight = loss(6, 5);
    const wide = loss(11, 14);
    expect(wide.exactMatch).toBe(tight.exactMatch);
    expect(Math.abs(wide.loss - tight.loss)).toBeLessThan(1e-6);
    expect(tight.loss).toBeGreaterThan(0);
  });
});
