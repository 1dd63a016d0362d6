import { z } from 'zod';

/** The special tokens that lead every vocabulary of the reference (clevr-iep), in index order. */
export const SPECIAL_PROGRAM_TOKENS = ['<NULL>', '<START>', '<END>', '<UNK>'] as const;
export const NULL_TOKEN = '<NULL>';
export const START_TOKEN = '<START>';
export const END_TOKEN = '<END>';
export const UNK_TOKEN = '<UNK>';

/** A program vocabulary: token -> id, as `program_token_to_idx` of the reference's vocab.json. */
export const ProgramVocabularySchema = z
  .record(z.string(), z.number().int().nonnegative())
  .superRefine((vocab, ctx) => {
    const seen = new Map<number, string>();
    for (const [token, id] of Object.entries(vocab)) {
      const other = seen.get(id);
      if (other !== undefined) {
        ctx.addIssue({ code: 'custom', message: `tokens '${other}' and '${token}' share id ${id}` });
      }
      seen.set(id, token);
    }
  });
export type ProgramVocabulary = Record<string, number>;

/** True for `<NULL>`, `<START>`, `<END>`, `<UNK>`: tokens that are not modules. */
export function isSpecialProgramToken(token: string): boolean {
  return (SPECIAL_PROGRAM_TOKENS as readonly string[]).includes(token);
}

/** id -> token of a vocabulary (an error naming both tokens when two share an id). */
export function invertVocabulary(vocab: ProgramVocabulary): string[] {
  const out: string[] = [];
  for (const [token, id] of Object.entries(vocab)) {
    if (out[id] !== undefined)
      throw new Error(`program vocabulary: tokens '${out[id]}' and '${token}' share id ${id}`);
    out[id] = token;
  }
  return out;
}

/** A vocabulary of the special tokens followed by the given tokens in order (duplicates dropped). */
export function buildProgramVocabulary(tokens: Iterable<string>): ProgramVocabulary {
  const vocab: ProgramVocabulary = {};
  let next = 0;
  for (const t of [...SPECIAL_PROGRAM_TOKENS, ...tokens]) {
    if (!(t in vocab)) vocab[t] = next++;
  }
  return vocab;
}
