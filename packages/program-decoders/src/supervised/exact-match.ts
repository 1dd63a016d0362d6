import { END_ID, NULL_ID, START_ID } from '@mmnet/programs';

/** The tokens of an encoded program row (`<START> tokens <END> <NULL>...`) between `<START>` and `<END>`. */
export function programRowTokens(row: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < row.length; i++) {
    const id = row[i];
    if (id === END_ID) break;
    if (id === START_ID || id === NULL_ID) continue;
    out.push(id);
  }
  return out;
}

/**
 * Fraction of decoded sequences (tokens before `<END>`) equal, token for token, to the ground-truth
 * programs: rows of `programs` (row-major, `length` per row, `<START> tokens <END>` padded with `<NULL>`).
 */
export function programExactMatch(
  decoded: readonly (readonly number[])[],
  programs: ArrayLike<number>,
  length: number,
): { matches: number; total: number; accuracy: number } {
  if (programs.length !== decoded.length * length) {
    throw new Error(
      `programExactMatch: ${decoded.length} decoded programs but ${programs.length / length} rows`,
    );
  }
  let matches = 0;
  decoded.forEach((seq, i) => {
    const truth = programRowTokens(Array.prototype.slice.call(programs, i * length, (i + 1) * length));
    if (truth.length === seq.length && truth.every((t, k) => t === seq[k])) matches++;
  });
  return { matches, total: decoded.length, accuracy: decoded.length ? matches / decoded.length : 0 };
}
