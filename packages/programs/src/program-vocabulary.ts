import { type Arity, type ArityFunction, clevrArity } from './arity.js';
import { SPECIAL_TOKENS } from './tokens.js';
import { type TokenMap, tokensByIndex } from './vocab.js';

/**
 * A program vocabulary seen as functions: each token id's token and arity (from an arity rule, CLEVR's by
 * default) and the id of the first 0-ary token (`scene` in CLEVR), the leaf that repairs use. The map needs all
 * four special tokens at 0..3.
 */
export class ProgramVocabulary {
  readonly tokens: readonly string[];
  readonly sceneId: number;
  private readonly arities: readonly (Arity | null)[];
  private readonly ids: ReadonlyMap<string, number>;

  constructor(map: TokenMap, arityOf: ArityFunction = clevrArity) {
    this.tokens = tokensByIndex(map, 'program vocabulary');
    for (const special of SPECIAL_TOKENS) {
      if (!Object.hasOwn(map, special)) throw new Error(`program vocabulary: '${special}' is missing`);
    }
    this.arities = this.tokens.map((t) => arityOf(t));
    this.ids = new Map(this.tokens.map((t, i) => [t, i]));
    const scene = this.arities.indexOf(0);
    if (scene < 0) throw new Error('program vocabulary: no 0-ary token (e.g. `scene`) to use as a leaf');
    this.sceneId = scene;
  }

  get size(): number {
    return this.tokens.length;
  }

  /** Arity of a token id; null for the tokens that are not modules (the special tokens). */
  arity(id: number): Arity | null {
    if (!(Number.isInteger(id) && id >= 0 && id < this.tokens.length)) {
      throw new Error(`program token id ${id} is outside 0..${this.size - 1}`);
    }
    return this.arities[id];
  }

  token(id: number): string {
    this.arity(id);
    return this.tokens[id];
  }

  id(token: string): number {
    const i = this.ids.get(token);
    if (i === undefined) throw new Error(`program token '${token}' is not in the program vocabulary`);
    return i;
  }

  /** Ids of the function tokens (arity >= 1), in index order: the rows of a module memory. */
  functionIds(): number[] {
    return this.tokens.map((_, i) => i).filter((i) => (this.arities[i] ?? 0) >= 1);
  }
}
