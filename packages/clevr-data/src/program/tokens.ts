import { ProgramError } from './errors.js';
import { getFunctionSpec } from './functions.js';

/** The special tokens that lead every vocabulary, in index order. */
export const SPECIAL_TOKENS = ['<NULL>', '<START>', '<END>', '<UNK>'] as const;
const specials = new Set<string>(SPECIAL_TOKENS);

/** True for `<NULL>`, `<START>`, `<END>`, `<UNK>`. */
export function isSpecialToken(token: string): boolean {
  return specials.has(token);
}

/** The program token of a step, as in the reference vocabularies: `filter_color[red]`, `relate[left]`, `scene`. */
export function stepToken(fn: string, valueInputs: readonly string[]): string {
  return valueInputs.length > 0 ? `${fn}[${valueInputs.join(',')}]` : fn;
}

/** Splits a program token into its function name and value inputs: `filter_color[red]` -> filter_color, [red]. */
export function parseProgramToken(token: string): { function: string; valueInputs: string[] } {
  const open = token.indexOf('[');
  if (open < 0) return { function: token, valueInputs: [] };
  if (!token.endsWith(']') || open === 0) {
    throw new Error(`malformed program token '${token}' (expected name or name[value])`);
  }
  const inner = token.slice(open + 1, -1);
  return { function: token.slice(0, open), valueInputs: inner === '' ? [] : inner.split(',') };
}

/**
 * The number of step inputs (0, 1 or 2) a program token takes: 0 for `scene`, 2 for `union`, `intersect`,
 * the `equal_*` functions, `less_than` and `greater_than`, 1 for the rest. Throws for special tokens and
 * unknown functions, naming the token.
 */
export function programTokenArity(token: string): 0 | 1 | 2 {
  if (isSpecialToken(token)) throw new Error(`program token '${token}' is a special token and has no arity`);
  const name = token.includes('[') ? parseProgramToken(token).function : token;
  const spec = getFunctionSpec(name);
  if (!spec) throw new Error(`unknown program token '${token}' (function '${name}' is not a CLEVR function)`);
  return spec.inputs.length as 0 | 1 | 2;
}

/** Arity lookup that reports through ProgramError with the position of the token in its sequence. */
export function arityAt(token: string, index: number): number {
  try {
    return programTokenArity(token);
  } catch (e) {
    throw new ProgramError(index, token, (e as Error).message);
  }
}
