import { isSpecialToken } from './tokens.js';

/** How many inputs a module takes: 0 (reads the image, like `scene`), 1 or 2. */
export type Arity = 0 | 1 | 2;

/**
 * The arity of a program token, or null when the token is not a module (the special tokens). Each DSL brings its
 * own; `clevrArity` is CLEVR's.
 */
export type ArityFunction = (token: string) => Arity | null;

/** Splits a CLEVR program token into its function and value inputs: `filter_color[red]` -> filter_color, [red]. */
export function parseProgramToken(token: string): { function: string; valueInputs: string[] } {
  const open = token.indexOf('[');
  if (open < 0) return { function: token, valueInputs: [] };
  if (!token.endsWith(']') || open === 0) {
    throw new Error(`malformed program token '${token}' (expected name or name[value])`);
  }
  const inner = token.slice(open + 1, -1);
  return { function: token.slice(0, open), valueInputs: inner === '' ? [] : inner.split(',') };
}

/** The CLEVR program token of a function and its value inputs: `filter_color[red]`, `relate[left]`, `scene`. */
export function stepToken(fn: string, valueInputs: readonly string[]): string {
  return valueInputs.length > 0 ? `${fn}[${valueInputs.join(',')}]` : fn;
}

const BINARY_FUNCTIONS = new Set(['union', 'intersect', 'less_than', 'greater_than']);

/**
 * The arity rule of CLEVR program tokens, as clevr-iep applies it: `scene` takes nothing; `union`,
 * `intersect`, `less_than`, `greater_than` and the `equal_*` functions take two inputs; every other function
 * takes one. The special tokens are not modules (null).
 */
export const clevrArity: ArityFunction = (token) => {
  if (isSpecialToken(token)) return null;
  const open = token.indexOf('[');
  const fn = open < 0 ? token : token.slice(0, open);
  if (fn === 'scene') return 0;
  if (fn.startsWith('equal_') || BINARY_FUNCTIONS.has(fn)) return 2;
  return 1;
};
