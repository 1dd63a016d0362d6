import {
  END_ID,
  END_TOKEN,
  isSpecialToken,
  NULL_ID,
  SPECIAL_TOKENS,
  START_ID,
  START_TOKEN,
  UNK_TOKEN,
} from './tokens.js';

/** A token -> index map, as each map of the reference's vocab.json. */
export type TokenMap = Record<string, number>;

/** The reference's vocab.json: the question words, the program tokens and the answers, each a token map. */
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

/**
 * Checks the layout of a token map and returns its tokens by index. The layout: indices 0..n-1 without gaps or
 * repeats, `<NULL>` at 0, and each other special token, when present, at its index (`<START>` 1, `<END>` 2,
 * `<UNK>` 3). Errors start with `what` and name the token.
 */
export function tokensByIndex(map: TokenMap, what = 'vocabulary'): string[] {
  SPECIAL_TOKENS.forEach((special, i) => {
    const at = map[special];
    if ((i === NULL_ID || at !== undefined) && at !== i) {
      throw new Error(`${what}: '${special}' must have index ${i} (got ${at ?? 'none'})`);
    }
  });
  const entries = Object.entries(map);
  const tokens: string[] = new Array(entries.length);
  for (const [token, index] of entries) {
    if (!Number.isInteger(index) || index < 0) {
      throw new Error(`${what}: token '${token}' has index ${index}, not a non-negative integer`);
    }
    if (index >= entries.length) {
      throw new Error(
        `${what}: indices must be 0..${entries.length - 1} without gaps (token '${token}' has ${index})`,
      );
    }
    if (tokens[index] !== undefined) {
      throw new Error(`${what}: tokens '${tokens[index]}' and '${token}' share index ${index}`);
    }
    tokens[index] = token;
  }
  return tokens;
}

/**
 * Checks a parsed vocab.json value: three token maps in the layout of `tokensByIndex`, the question and program
 * maps with `<START>` and `<END>`. Returns a copy holding only the three maps; errors name the source and map.
 */
export function parseVocab(data: unknown, source = 'vocab'): Vocab {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new Error(`${source}: expected an object with ${VOCAB_PARTS.join(', ')}`);
  }
  const record = data as Record<string, unknown>;
  const vocab = {} as Vocab;
  for (const part of VOCAB_PARTS) {
    const map = record[part];
    if (typeof map !== 'object' || map === null || Array.isArray(map)) {
      throw new Error(`${source}: ${part}: missing or not an object of token -> index`);
    }
    tokensByIndex(map as TokenMap, `${source}: ${part}`);
    vocab[part] = { ...(map as TokenMap) };
  }
  for (const part of ['question_token_to_idx', 'program_token_to_idx'] as const) {
    if (vocab[part][START_TOKEN] !== START_ID || vocab[part][END_TOKEN] !== END_ID) {
      throw new Error(`${source}: ${part}: needs '${START_TOKEN}' and '${END_TOKEN}'`);
    }
  }
  return vocab;
}

/** Reads a vocab.json text (parse, then `parseVocab`); a JSON syntax error names the source too. */
export function vocabFromJson(text: string, source = 'vocab.json'): Vocab {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`${source}: not valid JSON (${(e as Error).message})`);
  }
  return parseVocab(data, source);
}

/** The vocab as vocab.json text, each map's keys in index order. */
export function vocabToJson(vocab: Vocab, indent = 0): string {
  const ordered = Object.fromEntries(
    VOCAB_PARTS.map((p) => [p, Object.fromEntries(Object.entries(vocab[p]).sort((a, b) => a[1] - b[1]))]),
  );
  return JSON.stringify(ordered, null, indent);
}

/** A token map of the special tokens followed by the given tokens in their order (repeats dropped). */
export function tokenMapOf(tokens: Iterable<string>): TokenMap {
  // Own properties only (fromEntries): a word such as `valueOf` or `__proto__` is a token like any other.
  const unique = [...new Set([...SPECIAL_TOKENS, ...tokens])];
  return Object.fromEntries(unique.map((t, i) => [t, i]));
}

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export interface BuildTokenMapOptions {
  /** Tokens seen fewer times are left out (default 1). */
  minTokenCount?: number;
}

/**
 * A token map built from token sequences as the reference preprocessing builds it: the special tokens at 0..3,
 * then every other token seen at least `minTokenCount` times, in sorted (code-unit) order.
 */
export function buildTokenMap(
  sequences: Iterable<readonly string[]>,
  options: BuildTokenMapOptions = {},
): TokenMap {
  const min = options.minTokenCount ?? 1;
  const counts = new Map<string, number>();
  for (const seq of sequences) for (const t of seq) counts.set(t, (counts.get(t) ?? 0) + 1);
  const kept = [...counts.keys()].filter((t) => !isSpecialToken(t) && (counts.get(t) ?? 0) >= min);
  return tokenMapOf(kept.sort(byCodeUnits));
}

/** Adds the tokens of `sequences` missing from `map` at the next free indices, sorted (a new map is returned). */
export function expandTokenMap(map: TokenMap, sequences: Iterable<readonly string[]>): TokenMap {
  const next = Object.keys(map).length;
  const fresh = new Set<string>();
  for (const seq of sequences) for (const t of seq) if (!Object.hasOwn(map, t)) fresh.add(t);
  const added = [...fresh].sort(byCodeUnits).map((t, k) => [t, next + k]);
  return Object.fromEntries([...Object.entries(map), ...added]);
}

/**
 * Token ids back to tokens: `<NULL>` and `<START>` are dropped, `<END>` stops, an id outside the vocabulary
 * reads as `<UNK>`.
 */
export function decodeTokens(ids: ArrayLike<number>, byIndex: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id === END_ID) break;
    if (id === START_ID || id === NULL_ID) continue;
    out.push(byIndex[id] ?? UNK_TOKEN);
  }
  return out;
}
