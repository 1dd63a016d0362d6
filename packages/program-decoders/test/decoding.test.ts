import { createRng, tf } from '@mmnet/core-tensors';
import { END_ID, START_ID } from '@mmnet/programs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  beamSearch,
  createProgramGenerator,
  decodeGreedy,
  decodeSampled,
  teacherForcedLoss,
} from '../src/index.js';
import { useBackend } from './helpers.js';
import { batchTensors, syntheticBatch, syntheticVocab } from './synthetic-questions.js';

beforeAll(async () => {
  await useBackend('cpu');
});

const vocab = syntheticVocab();
const small = {
  encoderWordvecDim: 8,
  decoderWordvecDim: 6,
  hiddenDim: 10,
  numLayers: 2,
  maxProgramLength: 6,
};

/** Log-probability of a whole sequence (tokens then <END>) by teacher forcing. */
function sequenceLogProb(
  generator: ReturnType<typeof createProgramGenerator>['generator'],
  question: tf.Tensor2D,
  sequence: number[],
  ended: boolean,
): number {
  return tf.tidy(() => {
    const row = [START_ID, ...sequence, ...(ended ? [END_ID] : [])];
    const programs = tf.tensor2d(row, [1, row.length], 'int32');
    const logp = tf.logSoftmax(generator.teacherForcedLogits(question, programs)).arraySync() as number[][][];
    return row.slice(1).reduce((acc, t, k) => acc + logp[0][k][t], 0);
  });
}

describe.each(['lstm', 'gru'] as const)('seq2seq program generator (%s)', (cell) => {
  const { generator } = createProgramGenerator({ ...small, cell }, vocab, { seed: 3 });
  const data = syntheticBatch(vocab, 4, 5);
  const { questions, programs } = batchTensors(data);

  it('rejects a bad config naming the field, and bad question ids', () => {
    expect(() => createProgramGenerator({ hiddenDim: 0 }, vocab)).toThrow(/hiddenDim/);
    expect(() => generator.encode(tf.tensor2d([[1, 99]], [1, 2], 'int32'))).toThrow(/id 99/);
  });

  it('encodes a question the same with or without padding after it', () => {
    const q = Array.from(data.questions.subarray(0, data.questionLength));
    const length = q.findLastIndex((t) => t !== 0) + 1;
    const unpadded = generator.encode(tf.tensor2d([q.slice(0, length)], [1, length], 'int32'));
    const padded = generator.encode(tf.tensor2d([q], [1, data.questionLength], 'int32'));
    expect(length).toBeLessThan(data.questionLength);
    const diff = tf.max(tf.abs(tf.sub(padded, unpadded))).dataSync()[0];
    expect(diff).toBeLessThan(1e-6);
  });

  it('encodes a batch of questions of different lengths the same with extra padding columns', () => {
    const width = data.questionLength;
    const rows = [0, 1, 2].map((r) => Array.from(data.questions.subarray(r * width, (r + 1) * width)));
    const longest = Math.max(...rows.map((q) => q.findLastIndex((t) => t !== 0) + 1));
    const tight = generator.encode(tf.tensor2d(rows.map((q) => q.slice(0, longest))).toInt());
    const wide = generator.encode(tf.tensor2d(rows.map((q) => [...q, 0, 0, 0])).toInt());
    const diff = tf.max(tf.abs(tf.sub(wide, tight))).dataSync()[0];
    expect(diff).toBeLessThan(1e-6);
  });

  it('teacher forcing equals step-by-step decoding', () => {
    const logits = generator.teacherForcedLogits(questions, programs);
    expect(logits.shape).toEqual([4, data.programLength - 1, generator.programs.size]);
    const encoding = generator.encode(questions);
    let state = generator.initialState(4);
    const rows = programs.arraySync();
    for (let t = 0; t < 3; t++) {
      const prev = generator.embedTokens(
        tf.tensor1d(
          rows.map((r) => r[t]),
          'int32',
        ),
      ) as tf.Tensor2D;
      const step = generator.step(prev, encoding, state);
      state = step.state;
      const expected = tf.squeeze(tf.slice(logits, [0, t, 0], [4, 1, -1]), [1]);
      expect(tf.max(tf.abs(tf.sub(step.logits, expected))).dataSync()[0]).toBeLessThan(1e-4);
    }
    const loss = teacherForcedLoss(generator, questions, programs).dataSync()[0];
    expect(loss).toBeGreaterThan(0);
  });

  it('beam search returns hypotheses sorted by log-probability, scored like teacher forcing', () => {
    const beams = beamSearch(generator, questions, { beamWidth: 4 });
    const perSample = beamSearch(generator, questions, { beamWidth: 4, strategy: 'perSample' });
    const greedy = decodeGreedy(generator, questions);
    beams.forEach((hyps, b) => {
      expect(hyps.length).toBe(4);
      for (let k = 1; k < hyps.length; k++) expect(hyps[k].logProb).toBeLessThanOrEqual(hyps[k - 1].logProb);
      const question = tf.slice(questions, [b, 0], [1, -1]) as tf.Tensor2D;
      for (const h of hyps)
        expect(sequenceLogProb(generator, question, h.sequence, h.ended)).toBeCloseTo(h.logProb, 3);
      expect(perSample[b].map((h) => h.sequence)).toEqual(hyps.map((h) => h.sequence));
      // Beam search never finds worse than greedy, and greedy's score is its teacher-forced score.
      expect(hyps[0].logProb).toBeGreaterThanOrEqual(greedy.logProbs[b] - 1e-4);
      expect(sequenceLogProb(generator, question, greedy.sequences[b], greedy.ended[b])).toBeCloseTo(
        greedy.logProbs[b],
        3,
      );
    });
    const one = beamSearch(generator, questions, { beamWidth: 1 });
    expect(one.map((h) => h[0].sequence)).toEqual(greedy.sequences);
  });

  it('samples reproducibly from a seed, and near-greedily at a low temperature', () => {
    const a = decodeSampled(generator, questions, { rng: createRng(1) });
    const b = decodeSampled(generator, questions, { rng: createRng(1) });
    expect(a).toEqual(b);
    const cold = decodeSampled(generator, questions, { rng: createRng(2), temperature: 1e-4 });
    expect(cold.sequences).toEqual(decodeGreedy(generator, questions).sequences);
    expect(() => decodeSampled(generator, questions, { rng: createRng(1), temperature: 0 })).toThrow(
      /temperature/,
    );
  });

  it('frees every tensor it makes while decoding', () => {
    decodeGreedy(generator, questions);
    const before = tf.memory().numTensors;
    decodeGreedy(generator, questions);
    decodeSampled(generator, questions, { rng: createRng(4) });
    beamSearch(generator, questions, { beamWidth: 3 });
    beamSearch(generator, questions, { beamWidth: 2, strategy: 'perSample' });
    expect(tf.memory().numTensors).toBe(before);
  });
});
