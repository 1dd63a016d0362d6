import { type IntMatrix, matrixRows } from '@mmnet/clevr-data';
import { createRng } from '@mmnet/core-tensors';
import { encodePrefixPrograms, type TokenMap } from '@mmnet/programs';
import type { QuestionBatch } from '../models/model-adapter.js';

/**
 * Weak supervision: which training questions keep their ground-truth program. `max(1, round(fraction *
 * count))` question rows, chosen uniformly without replacement by a generator seeded with `seed`, returned in
 * increasing order. The same (count, fraction, seed) always gives the same rows, and a smaller fraction's rows
 * are a prefix of the same seeded draw, so they are contained in a larger fraction's rows.
 */
export function selectSupervisedQuestions(count: number, fraction: number, seed: number): Int32Array {
  if (!Number.isInteger(count) || count < 1) throw new Error(`selectSupervisedQuestions: count ${count} < 1`);
  if (!(fraction > 0 && fraction <= 1))
    throw new Error(`selectSupervisedQuestions: fraction ${fraction} is not in (0, 1]`);
  const keep = Math.min(count, Math.max(1, Math.round(fraction * count)));
  const rows = Int32Array.from({ length: count }, (_, i) => i);
  const rng = createRng(seed ^ 0x5eed5);
  // Partial Fisher-Yates: the first `keep` entries are a uniform sample without replacement.
  for (let i = 0; i < keep; i++) {
    const j = i + rng.int(count - i);
    const t = rows[i];
    rows[i] = rows[j];
    rows[j] = t;
  }
  return rows.slice(0, keep).sort();
}

/** The rows of `order` (an epoch's permutation of all rows) that are in `selected`, in `order`'s order. */
export function restrictOrder(order: Int32Array, selected: Int32Array): Int32Array {
  const member = new Set(selected);
  return order.filter((row) => member.has(row));
}

/** Questions labelled per call of the labeller: enough to keep its per-call cost small, few enough for memory. */
const LABEL_CHUNK = 256;

/**
 * Self-training: every row of `questions` [rows, cols] not in `supervised` gets the labeller's most likely whole
 * program; those it gives a log-probability of at least `minLogProb` are returned with that program as a prefix id
 * row of `width` (`<START> ... <END> <NULL>...`, the dataset's program rows). A program that does not fit `width`
 * is left out.
 */
export function pseudoPrograms(
  questions: IntMatrix,
  supervised: Int32Array,
  label: (batch: QuestionBatch) => { programs: (string[] | null)[]; logProbs: Float64Array },
  options: { minLogProb: number; vocab: TokenMap; width: number },
): Map<number, Int32Array> {
  const labelled = new Set(supervised);
  const rows = Int32Array.from({ length: questions.rows }, (_, i) => i).filter((r) => !labelled.has(r));
  const out = new Map<number, Int32Array>();
  for (let start = 0; start < rows.length; start += LABEL_CHUNK) {
    const chunk = rows.subarray(start, start + LABEL_CHUNK);
    const batch = { questions: matrixRows(questions, chunk), questionLength: questions.cols };
    const { programs, logProbs } = label(batch);
    chunk.forEach((row, i) => {
      const program = programs[i];
      if (!program || logProbs[i] < options.minLogProb || program.length + 2 > options.width) return;
      out.set(row, Int32Array.from(encodePrefixPrograms([program], options.vocab, options.width)[0]));
    });
  }
  return out;
}
