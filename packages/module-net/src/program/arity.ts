import { isSpecialProgramToken } from './vocabulary.js';

/** How many inputs a module takes: 0 (reads the image, like `scene`), 1 or 2. */
export type ModuleArity = 0 | 1 | 2;

/** Tells the arity of a program token, or null when the token is not a module (special tokens). */
export type ArityFunction = (token: string) => ModuleArity | null;

const BINARY_PREFIXES = ['equal_', 'union', 'intersect', 'less_than', 'greater_than'];

/**
 * The arity rule of the CLEVR program tokens, as the reference applies it: `scene` takes nothing; tokens starting
 * with equal_, union, intersect, less_than or greater_than take two inputs; every other token takes one.
 * `<NULL>`, `<START>`, `<END>` and `<UNK>` are not modules (null).
 */
export const clevrArity: ArityFunction = (token) => {
  if (isSpecialProgramToken(token)) return null;
  if (token === 'scene') return 0;
  if (BINARY_PREFIXES.some((p) => token.startsWith(p))) return 2;
  return 1;
};
