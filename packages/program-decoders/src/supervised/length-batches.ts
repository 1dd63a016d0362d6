import type { Rng } from '@mmnet/core-tensors';
import { NULL_ID } from '@mmnet/programs';

/** Encoded rows (row-major, `<NULL>`-padded): questions [count, questionLength], programs [count, programLength]. */
export interface EncodedPairs {
  count: number;
  questions: Int32Array;
  questionLength: number;
  programs: Int32Array;
  programLength: number;
}

/** One training batch cut to its longest question and program: questions [size, qLen], programs [size, pLen]. */
export interface TrimmedBatch {
  size: number;
  questions: Int32Array;
  questionLength: number;
  programs: Int32Array;
  programLength: number;
}

/** Position of the last non-`<NULL>` token + 1 of each row. */
export function rowLengths(rows: Int32Array, length: number): Int32Array {
  const count = rows.length / length;
  const out = new Int32Array(count);
  for (let r = 0; r < count; r++) {
    let last = 0;
    for (let t = 0; t < length; t++) if (rows[r * length + t] !== NULL_ID) last = t + 1;
    out[r] = last;
  }
  return out;
}

/**
 * One epoch of batches grouped by length: rows are shuffled, sorted (stably) by question then program
 * length, cut into batches of `batchSize` (the last one may be smaller), and the batch order is shuffled.
 * Each batch's rows then need few padding steps, so the recurrent nets run fewer steps. Returns row indices.
 */
export function lengthGroupedBatches(data: EncodedPairs, batchSize: number, rng: Rng): number[][] {
  if (!(Number.isInteger(batchSize) && batchSize > 0)) {
    throw new Error(`lengthGroupedBatches: batchSize must be a positive integer, got ${batchSize}`);
  }
  const qLens = rowLengths(data.questions, data.questionLength);
  const pLens = rowLengths(data.programs, data.programLength);
  const order = rng.shuffle(Array.from({ length: data.count }, (_, i) => i));
  order.sort((a, b) => qLens[a] - qLens[b] || pLens[a] - pLens[b]);
  const batches: number[][] = [];
  for (let from = 0; from < order.length; from += batchSize)
    batches.push(order.slice(from, from + batchSize));
  return rng.shuffle(batches);
}

/** Copies rows into a batch cut to the longest question and program among them. */
export function trimmedBatch(data: EncodedPairs, rows: readonly number[]): TrimmedBatch {
  if (rows.length === 0) throw new Error('trimmedBatch: no rows');
  const lastToken = (rows: Int32Array, length: number, r: number) =>
    rowLengths(rows.subarray(r * length, (r + 1) * length), length)[0];
  let qLen = 1;
  let pLen = 2;
  for (const r of rows) {
    if (!(Number.isInteger(r) && r >= 0 && r < data.count)) {
      throw new Error(`trimmedBatch: row ${r} is outside 0..${data.count - 1}`);
    }
    qLen = Math.max(qLen, lastToken(data.questions, data.questionLength, r));
    pLen = Math.max(pLen, lastToken(data.programs, data.programLength, r));
  }
  const questions = new Int32Array(rows.length * qLen);
  const programs = new Int32Array(rows.length * pLen);
  rows.forEach((r, b) => {
    questions.set(data.questions.subarray(r * data.questionLength, r * data.questionLength + qLen), b * qLen);
    programs.set(data.programs.subarray(r * data.programLength, r * data.programLength + pLen), b * pLen);
  });
  return { size: rows.length, questions, questionLength: qLen, programs, programLength: pLen };
}
