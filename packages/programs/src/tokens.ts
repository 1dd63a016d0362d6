/** Padding: index 0 of every vocabulary. */
export const NULL_TOKEN = '<NULL>';
/** Opens every question and program row. */
export const START_TOKEN = '<START>';
/** Closes every question and program row. */
export const END_TOKEN = '<END>';
/** Stands for a token missing from the vocabulary. */
export const UNK_TOKEN = '<UNK>';

/** The special tokens that lead every vocabulary of the reference (clevr-iep's vocab.json), in index order. */
export const SPECIAL_TOKENS = [NULL_TOKEN, START_TOKEN, END_TOKEN, UNK_TOKEN] as const;

/** Index of `<NULL>` in every vocabulary. */
export const NULL_ID = 0;
/** Index of `<START>`. */
export const START_ID = 1;
/** Index of `<END>`. */
export const END_ID = 2;
/** Index of `<UNK>`. */
export const UNK_ID = 3;

const specials = new Set<string>(SPECIAL_TOKENS);

/** True for `<NULL>`, `<START>`, `<END>` and `<UNK>`: tokens that are never a word, a function or an answer. */
export function isSpecialToken(token: string): boolean {
  return specials.has(token);
}
