import type { ArityFunction } from './arity.js';
import { END_TOKEN, NULL_TOKEN, START_TOKEN } from './tokens.js';
import { ProgramError, type ProgramTreeNode, prefixToTree } from './tree.js';
import { type TokenMap, tokensByIndex } from './vocab.js';

/** Rows of token ids: number[][], typed arrays, or a flat array with its [batch, length] shape. */
export type ProgramIdRows =
  | readonly ArrayLike<number>[]
  | { data: ArrayLike<number>; shape: [number, number] };

function rowsOf(programs: ProgramIdRows): ArrayLike<number>[] {
  if (Array.isArray(programs)) return programs as ArrayLike<number>[];
  const { data, shape } = programs as { data: ArrayLike<number>; shape: [number, number] };
  const [batch, length] = shape;
  if (data.length !== batch * length) {
    throw new Error(`programs: ${data.length} ids do not fill the shape [${batch}, ${length}]`);
  }
  const rows: ArrayLike<number>[] = [];
  for (let b = 0; b < batch; b++) rows.push(Array.prototype.slice.call(data, b * length, (b + 1) * length));
  return rows;
}

/**
 * A batch of programs stored as prefix token ids (`<START> f1 f2 ... <END> <NULL>...`, the reference's
 * `programs` array) to one tree per sample, through `prefixToTree`. Errors are ProgramErrors naming the sample
 * and the step (column of the row), also for an id outside the vocabulary.
 */
export function parsePrefixPrograms(
  programs: ProgramIdRows,
  vocab: TokenMap,
  options: { arityOf?: ArityFunction } = {},
): ProgramTreeNode[] {
  const byIndex = tokensByIndex(vocab, 'program vocabulary');
  return rowsOf(programs).map((row, sample) => {
    const tokens: string[] = [];
    for (let step = 0; step < row.length; step++) {
      const id = row[step];
      const token = Number.isInteger(id) && id >= 0 ? byIndex[id] : undefined;
      if (token === undefined) {
        throw new ProgramError(step, `id ${id}`, 'unknown token id (not in the program vocabulary)', sample);
      }
      tokens.push(token);
    }
    return prefixToTree(tokens, { arityOf: options.arityOf, sample });
  });
}

/**
 * Programs given as prefix token lists to id rows `<START> ... <END> <NULL>...` of one length (the longest
 * program + 2 unless `length` is given). Throws naming the sample and token for a token missing from the
 * vocabulary, or a program longer than `length`.
 */
export function encodePrefixPrograms(
  programs: readonly (readonly string[])[],
  vocab: TokenMap,
  length?: number,
): number[][] {
  const width = length ?? Math.max(0, ...programs.map((p) => p.length)) + 2;
  return programs.map((tokens, sample) => {
    if (tokens.length + 2 > width) {
      throw new Error(`program of sample ${sample}: ${tokens.length} tokens do not fit a row of ${width}`);
    }
    const row = new Array<number>(width).fill(vocab[NULL_TOKEN] ?? 0);
    row[0] = vocab[START_TOKEN];
    tokens.forEach((t, i) => {
      const id = vocab[t];
      if (id === undefined) {
        throw new Error(`program of sample ${sample}, step ${i + 1}: token '${t}' is not in the vocabulary`);
      }
      row[i + 1] = id;
    });
    row[tokens.length + 1] = vocab[END_TOKEN];
    return row;
  });
}
