import { join } from 'node:path';
import { initBackend } from '@mmnet/core-tensors';
import { beforeAll, describe, expect, it } from 'vitest';
import { QuestionLengthCurriculum } from '../src/data/question-length-curriculum.js';
import { Trainer, trainConfigSchema } from '../src/index.js';
import { testRegistry } from './fixtures/test-model.js';
import { buildTinyDataset } from './fixtures/tiny-dataset.js';
import { tempDir } from './helpers.js';

/** 20 questions of 4 columns: row r has 1 + (r % 4) words, then <NULL> (0) padding. */
function questions(): Int32Array {
  const cols = 4;
  const out = new Int32Array(20 * cols);
  for (let r = 0; r < 20; r++) for (let c = 0; c <= r % 4; c++) out[r * cols + c] = 5 + c;
  return out;
}
const lengthOf = (q: Int32Array, row: number) => [0, 1, 2, 3].filter((c) => q[row * 4 + c] !== 0).length;

describe('QuestionLengthCurriculum', () => {
  const q = questions();

  it('draws the first updates from the shortest questions, and every question by the end', () => {
    const curriculum = new QuestionLengthCurriculum(q, 4, 10, 0.25);
    expect(curriculum.poolSize(0)).toBe(5);
    const first = curriculum.batch(0, 0, 4, 1);
    expect(new Set(first).size).toBe(4);
    expect([...first].every((row) => lengthOf(q, row) === 1)).toBe(true);
    expect(curriculum.poolSize(5)).toBe(13);
    expect(curriculum.poolSize(10)).toBe(20);
    expect(curriculum.active(9)).toBe(true);
    expect(curriculum.active(10)).toBe(false);
  });

  it('gives the same rows for the same (seed, step, part), other rows otherwise', () => {
    const curriculum = new QuestionLengthCurriculum(q, 4, 100, 1);
    const a = curriculum.batch(3, 0, 6, 7);
    expect([...curriculum.batch(3, 0, 6, 7)]).toEqual([...a]);
    const others = [curriculum.batch(4, 0, 6, 7), curriculum.batch(3, 1, 6, 7), curriculum.batch(3, 0, 6, 8)];
    for (const b of others) expect([...b]).not.toEqual([...a]);
  });

  it('refuses a bad number of updates or start share', () => {
    expect(() => new QuestionLengthCurriculum(q, 4, 0)).toThrow(/updates must be an integer >= 1/);
    expect(() => new QuestionLengthCurriculum(q, 4, 5, 0)).toThrow(/start 0 is not in \(0, 1\]/);
  });
});

describe('mmnet train --question_length_curriculum', () => {
  let data: string;
  beforeAll(async () => {
    await initBackend({ prefer: 'wasm', log: null });
    data = await buildTinyDataset(join(tempDir('length-data'), 'tiny'), { trainImages: 6, valImages: 3 });
  });
  const create = (extra: Record<string, unknown>) =>
    Trainer.create({
      config: trainConfigSchema.parse({ model: 'TEST_BOW', clevr_dataset: data, batch_size: 4, ...extra }),
      registry: testRegistry(),
    });

  it('trains with the curriculum and moves the epoch position as without it', async () => {
    const trainer = await create({ question_length_curriculum: 3 });
    try {
      expect(trainer.lengthCurriculum?.updates).toBe(3);
      for (let i = 0; i < 4; i++) expect(Number.isFinite(trainer.iteration().loss)).toBe(true);
      expect(trainer.position.batchInEpoch).toBe(4);
    } finally {
      trainer.dispose();
    }
  });

  it('refuses it together with --program_supervision_fraction', async () => {
    await expect(
      create({ question_length_curriculum: 3, program_supervision_fraction: 0.5, train_mode: 'PG' }),
    ).rejects.toThrow(/--question_length_curriculum: not with --program_supervision_fraction/);
  });
});
