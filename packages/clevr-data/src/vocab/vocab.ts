import { z } from 'zod';
import { formatZodError } from '../formats/zod-error.js';
import { SPECIAL_TOKENS } from '../program/tokens.js';

/** token -> index maps, in the reference vocab.json layout. */
export type TokenMap = Record<string, number>;

export interface Vocab {
  question_token_to_idx: TokenMap;
  program_token_to_idx: TokenMap;
  answer_token_to_idx: TokenMap;
}

export type VocabPart = keyof Vocab;
export const VOCAB_PARTS: readonly VocabPart[] = [
  'question_token_to_idx',
  'program_token_to_idx',
  'answer_token_to_idx',
];

export const NULL_IDX = 0;
export const START_IDX = 1;
export const END_IDX = 2;
export const UNK_IDX = 3;

export interface BuildVocabOptions {
  /** Tokens seen fewer times are left out (default 1). */
  minTokenCount?: number;
}

/**
 * Builds a token map from token sequences: the four special tokens at 0..3, then every other token seen
 * at least `minTokenCount` times, in sorted (code-unit) order, as the reference does.
 */
export function buildTokenMap(
  sequences: Iterable<readonly string[]>,
  options: BuildVocabOptions = {},
): TokenMap {
  const min = options.minTokenCount ?? 1;
  const counts = new Map<string, number>();
  for (const seq of sequences) for (const t of seq) counts.set(t, (counts.get(t) ?? 0) + 1);
  const specials = new Set<string>(SPECIAL_TOKENS);
  const tokens = [...counts.keys()].filter((t) => !specials.has(t) && (counts.get(t) ?? 0) >= min);
  tokens.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  // Own properties only (fromEntries): a word such as `valueOf` or `__proto__` is a token like any other.
  return Object.fromEntries([...SPECIAL_TOKENS, ...tokens].map((t, i) => [t, i]));
}

/** Adds the tokens of `sequences` missing from `map` at the next free indices (a new map is returned). */
export function expandTokenMap(map: TokenMap, sequences: Iterable<readonly string[]>): TokenMap {
  const next = Object.keys(map).length;
  const fresh = new Set<string>();
  for (const seq of sequences) for (const t of seq) if (!Object.hasOwn(map, t)) fresh.add(t);
  const added = [...fresh].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((t, k) => [t, next + k]);
  return Object.fromEntries([...Object.entries(map), ...added]);
}

const tokenMapSchema = z.record(z.string(), z.number().int().nonnegative());
const vocabSchema = z.looseObject({
  question_token_to_idx: tokenMapSchema,
  program_token_to_idx: tokenMapSchema,
  answer_token_to_idx: tokenMapSchema,
});

/** Checks the index layout of one token map; returns a message or null. */
function layoutProblem(map: TokenMap): string | null {
  if (map['<NULL>'] !== NULL_IDX) {
    return `'<NULL>' must have index 0 (got ${map['<NULL>'] === undefined ? 'none' : map['<NULL>']})`;
  }
  for (const [i, t] of SPECIAL_TOKENS.entries()) {
    if (Object.hasOwn(map, t) && map[t] !== i) return `'${t}' must have index ${i} (got ${map[t]})`;
  }
  const byIndex = new Map<number, string>();
  for (const [t, i] of Object.entries(map)) {
    const other = byIndex.get(i);
    if (other !== undefined) return `tokens '${other}' and '${t}' share index ${i}`;
    byIndex.set(i, t);
  }
  const n = byIndex.size;
  for (let i = 0; i < n; i++)
    if (!byIndex.has(i)) return `indices must be 0..${n - 1} without gaps (${i} is missing)`;
  return null;
}

/**
 * Validates a parsed vocab.json value (reference layout): three token maps, each with `<NULL>`=0, the other
 * special tokens (when present) at 1..3, unique indices without gaps; question and program maps need
 * `<START>` and `<END>`. Throws an error naming the source, map and token.
 */
export function parseVocab(data: unknown, source = 'vocab'): Vocab {
  const r = vocabSchema.safeParse(data);
  if (!r.success) throw new Error(`${source}: ${formatZodError(r.error)}`);
  for (const part of VOCAB_PARTS) {
    const problem = layoutProblem(r.data[part]);
    if (problem) throw new Error(`${source}: ${part}: ${problem}`);
  }
  for (const part of ['question_token_to_idx', 'program_token_to_idx'] as const) {
    for (const t of ['<START>', '<END>']) {
      if (!(t in r.data[part])) throw new Error(`${source}: ${part}: missing '${t}'`);
    }
  }
  return {
    question_token_to_idx: { ...r.data.question_token_to_idx },
    program_token_to_idx: { ...r.data.program_token_to_idx },
    answer_token_to_idx: { ...r.data.answer_token_to_idx },
  };
}

/** Parses a vocab.json text; JSON syntax errors name the source too. */
export function vocabFromJson(text: string, source = 'vocab.json'): Vocab {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`${source}: not valid JSON (${(e as Error).message})`);
  }
  return parseVocab(data, source);
}

/** The vocab as JSON text, each map's keys in index order (what vocab.json holds). */
export function vocabToJson(vocab: Vocab, indent = 0): string {
  const ordered = Object.fromEntries(
    VOCAB_PARTS.map((p) => [p, Object.fromEntries(Object.entries(vocab[p]).sort((a, b) => a[1] - b[1]))]),
  );
  return JSON.stringify(ordered, null, indent);
}

/** index -> token list of a token map. */
export function indexToToken(map: TokenMap): string[] {
  const out: string[] = [];
  for (const [t, i] of Object.entries(map)) out[i] = t;
  return out;
}
