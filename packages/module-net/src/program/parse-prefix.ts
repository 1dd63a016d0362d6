import { type ArityFunction, clevrArity } from './arity.js';
import type { ProgramTreeNode } from './tree.js';
import {
  END_TOKEN,
  invertVocabulary,
  NULL_TOKEN,
  type ProgramVocabulary,
  START_TOKEN,
  UNK_TOKEN,
} from './vocabulary.js';

/** An invalid program: names the sample of the batch, the step (index of the token in the row) and the token. */
export class ProgramParseError extends Error {
  constructor(
    readonly sample: number,
    readonly step: number,
    readonly token: string,
    readonly detail: string,
  ) {
    super(`program of sample ${sample}, step ${step} (${token}): ${detail}`);
    this.name = 'ProgramParseError';
  }
}

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

export interface ParseOptions {
  /** Arity of each token (default: the CLEVR rule, `clevrArity`). */
  arityOf?: ArityFunction;
}

/**
 * Parses one program given as prefix tokens (`<START>` first and `<END>` / `<NULL>` padding allowed, as the
 * reference stores them) into a tree. `sample` only labels errors. Step numbers are positions in `tokens`.
 */
export function parsePrefixTokens(
  tokens: readonly string[],
  sample: number,
  options: ParseOptions = {},
): ProgramTreeNode {
  const arityOf = options.arityOf ?? clevrArity;
  let begin = 0;
  if (tokens[0] === START_TOKEN) begin = 1;
  let end = begin;
  while (end < tokens.length && tokens[end] !== END_TOKEN && tokens[end] !== NULL_TOKEN) end++;
  for (let i = end + 1; i < tokens.length; i++) {
    if (tokens[i] !== NULL_TOKEN) {
      throw new ProgramParseError(sample, i, tokens[i], `token after the end of the program (step ${end})`);
    }
  }
  if (end === begin) {
    throw new ProgramParseError(
      sample,
      begin,
      tokens[begin] ?? '(none)',
      'empty program: no module before the end',
    );
  }
  let pos = begin;
  const read = (parent: ProgramTreeNode | null): ProgramTreeNode => {
    if (pos >= end) {
      const at = parent ? `'${parent.token}' at step ${parent.step}` : 'the root';
      throw new ProgramParseError(
        sample,
        pos,
        tokens[pos] ?? '(end)',
        `the program ends here but ${at} needs ${parent ? arityOf(parent.token) : 1} input(s)`,
      );
    }
    const step = pos;
    const token = tokens[pos++];
    if (token === START_TOKEN || token === UNK_TOKEN) {
      throw new ProgramParseError(sample, step, token, 'not a module (special token inside the program)');
    }
    const arity = arityOf(token);
    if (arity === null) throw new ProgramParseError(sample, step, token, 'not a module');
    const node: ProgramTreeNode = { token, step, inputs: [] };
    for (let i = 0; i < arity; i++) node.inputs.push(read(node));
    return node;
  };
  const root = read(null);
  if (pos !== end) {
    throw new ProgramParseError(
      sample,
      pos,
      tokens[pos],
      `${end - pos} token(s) left over after a complete program (wrong arity before step ${pos}?)`,
    );
  }
  return root;
}

/**
 * Parses a batch of programs stored as prefix token ids (`<START> f1 f2 ... <END> <NULL>...`, the reference's
 * `programs` array) into one tree per sample. Throws ProgramParseError naming the sample and the step (column of
 * the row) for an unknown id, a token that is not a module, a module short of inputs, leftover tokens, or an
 * empty program.
 */
export function parsePrefixPrograms(
  programs: ProgramIdRows,
  vocab: ProgramVocabulary,
  options: ParseOptions = {},
): ProgramTreeNode[] {
  const idToToken = invertVocabulary(vocab);
  return rowsOf(programs).map((row, sample) => {
    const tokens: string[] = [];
    for (let step = 0; step < row.length; step++) {
      const id = row[step];
      const token = Number.isInteger(id) && id >= 0 ? idToToken[id] : undefined;
      if (token === undefined) {
        throw new ProgramParseError(
          sample,
          step,
          `id ${id}`,
          'unknown token id (not in the program vocabulary)',
        );
      }
      tokens.push(token);
    }
    return parsePrefixTokens(tokens, sample, options);
  });
}

/**
 * Encodes programs given as prefix token lists into id rows `<START> ... <END> <NULL>...` of one length (the
 * longest program + 2 unless `length` is given). Throws naming the sample and token for a token missing from the
 * vocabulary, or a program longer than `length`.
 */
export function encodePrefixPrograms(
  programs: readonly (readonly string[])[],
  vocab: ProgramVocabulary,
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
      if (id === undefined)
        throw new Error(`program of sample ${sample}, step ${i}: token '${t}' is not in the vocabulary`);
      row[i + 1] = id;
    });
    row[tokens.length + 1] = vocab[END_TOKEN];
    return row;
  });
}
