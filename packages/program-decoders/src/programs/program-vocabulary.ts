/** Index of `<NULL>` (padding) in every mmnet vocabulary. */
export const NULL_ID = 0;
/** Index of `<START>`. */
export const START_ID = 1;
/** Index of `<END>`. */
export const END_ID = 2;
/** Index of `<UNK>`. */
export const UNK_ID = 3;

const SPECIAL_TOKENS = ['<NULL>', '<START>', '<END>', '<UNK>'] as const;
const BINARY_PREFIXES = ['equal_', 'union', 'intersect', 'less_than', 'greater_than'];

/**
 * Arity of a CLEVR program token: 0 for `scene`, 2 for `equal_*`, `union`, `intersect`, `less_than`,
 * `greater_than`, 1 for every other function; -1 for the special tokens (they are not functions).
 */
export function clevrTokenArity(token: string): -1 | 0 | 1 | 2 {
  if ((SPECIAL_TOKENS as readonly string[]).includes(token)) return -1;
  if (token === 'scene') return 0;
  return BINARY_PREFIXES.some((p) => token.startsWith(p)) ? 2 : 1;
}

/** A token -> index map in the layout of clevr-iep's vocab.json (`<NULL>`=0, `<START>`=1, `<END>`=2, `<UNK>`=3). */
export type TokenToIndex = Readonly<Record<string, number>>;

/** The two vocabularies a program generator needs (the shape of clevr-data's `Vocab`). */
export interface ProgramGeneratorVocab {
  question_token_to_idx: TokenToIndex;
  program_token_to_idx: TokenToIndex;
}

/** Checks a token map (specials at 0..3, indices 0..n-1 without gaps) and returns its tokens by index. */
export function tokensByIndex(map: TokenToIndex, what: string): string[] {
  const entries = Object.entries(map);
  const tokens: string[] = new Array(entries.length);
  for (const [token, idx] of entries) {
    if (!Number.isInteger(idx) || idx < 0 || idx >= entries.length) {
      throw new Error(`${what}: token '${token}' has index ${idx}, outside 0..${entries.length - 1}`);
    }
    if (tokens[idx] !== undefined)
      throw new Error(`${what}: tokens '${tokens[idx]}' and '${token}' share index ${idx}`);
    tokens[idx] = token;
  }
  SPECIAL_TOKENS.forEach((t, i) => {
    if (tokens[i] !== t)
      throw new Error(`${what}: index ${i} must be '${t}' (got '${tokens[i] ?? 'nothing'}')`);
  });
  return tokens;
}

/**
 * The program vocabulary seen as functions: token ids, names, arities (from a token arity rule,
 * CLEVR's by default) and the id of the `scene` leaf.
 */
export class ProgramVocabulary {
  readonly tokens: readonly string[];
  readonly arities: Int8Array;
  readonly sceneId: number;

  constructor(map: TokenToIndex, arityOf: (token: string) => number = clevrTokenArity) {
    this.tokens = tokensByIndex(map, 'program vocabulary');
    this.arities = Int8Array.from(this.tokens, (t) => arityOf(t));
    const scene = this.tokens.findIndex((_, i) => this.arities[i] === 0);
    if (scene < 0) throw new Error('program vocabulary: no 0-ary token (e.g. `scene`) to use as a leaf');
    this.sceneId = scene;
  }

  get size(): number {
    return this.tokens.length;
  }

  /** Arity of a token id (-1 for the special tokens). */
  arity(id: number): number {
    if (!(id >= 0 && id < this.tokens.length))
      throw new Error(`program token id ${id} is outside 0..${this.size - 1}`);
    return this.arities[id];
  }

  token(id: number): string {
    this.arity(id);
    return this.tokens[id];
  }

  id(token: string): number {
    const i = this.tokens.indexOf(token);
    if (i < 0) throw new Error(`program token '${token}' is not in the program vocabulary`);
    return i;
  }

  /** Ids of the function tokens (arity >= 1), in index order: the rows of a module memory. */
  functionIds(): number[] {
    return this.tokens.map((_, i) => i).filter((i) => this.arities[i] >= 1);
  }
}
