import { createRng } from '@mmnet/core-tensors';
import { NULL_ID } from '@mmnet/programs';

/**
 * A curriculum on the questions' length in words, which needs no program label: early updates draw their batches
 * from the shortest questions only ("What color is the cube?"), and the pool grows to every question. Short
 * questions have short programs, so a model that must find its own layout (or its modules' use of the image) gets
 * a few consistent kinds of question first.
 */
export class QuestionLengthCurriculum {
  /** Training rows from the shortest question to the longest (ties in row order). */
  private readonly byLength: Int32Array;

  /**
   * `questions` [rows, cols] of encoded questions (`<NULL>` padded), `updates` the number of updates the pool takes
   * to grow from the shortest `start` share of the questions to all of them.
   */
  constructor(
    questions: Int32Array,
    cols: number,
    readonly updates: number,
    readonly start = 0.1,
  ) {
    if (!(Number.isInteger(updates) && updates >= 1))
      throw new Error(`question length curriculum: updates must be an integer >= 1, got ${updates}`);
    if (!(start > 0 && start <= 1))
      throw new Error(`question length curriculum: start ${start} is not in (0, 1]`);
    const rows = questions.length / cols;
    const lengths = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      let n = 0;
      for (let c = 0; c < cols; c++) if (questions[r * cols + c] !== NULL_ID) n++;
      lengths[r] = n;
    }
    this.byLength = Int32Array.from({ length: rows }, (_, i) => i).sort(
      (a, b) => lengths[a] - lengths[b] || a - b,
    );
  }

  /** Whether update `step` (0-based) still draws from a restricted pool. */
  active(step: number): boolean {
    return step < this.updates;
  }

  /** How many of the shortest questions update `step` draws from. */
  poolSize(step: number): number {
    const share = Math.min(1, this.start + ((1 - this.start) * step) / this.updates);
    return Math.max(1, Math.ceil(share * this.byLength.length));
  }

  /**
   * The rows of one batch of update `step` (`part`: which of the update's --batch_multiplier batches): `size`
   * distinct rows drawn uniformly from the pool, by a generator seeded with (seed, step, part), so a resumed run
   * draws the same batches.
   */
  batch(step: number, part: number, size: number, seed: number): Int32Array {
    const pool = this.poolSize(step);
    const take = Math.min(size, pool);
    const rng = createRng((seed * 1_000_003 + step * 64 + part) >>> 0);
    const chosen = new Set<number>();
    while (chosen.size < take) chosen.add(this.byLength[rng.int(pool)]);
    return Int32Array.from(chosen).sort();
  }
}
