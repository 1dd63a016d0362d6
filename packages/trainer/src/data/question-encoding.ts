import { encodeTokens, tokenize } from '@mmnet/clevr-data';
import { END_TOKEN, START_TOKEN } from '@mmnet/programs';

/**
 * Encodes a free question as the reference preprocessing does (clevr-data's `tokenize`: case kept, `;` and `,`
 * split off, `?` and `.` removed, `<START>`/`<END>` added) into vocabulary ids. An unknown word is an error
 * naming it, unless the vocab has `<UNK>` and `allowUnk` is set.
 */
export function encodeQuestion(text: string, map: Record<string, number>, allowUnk = false): number[] {
  return encodeTokens(tokenize(text.trim()), map, allowUnk, 'question');
}

/** Encodes a program given as space-separated tokens (prefix order) into `<START> ... <END>` ids. */
export function encodeProgram(text: string, map: Record<string, number>): number[] {
  const tokens = text.trim().split(/\s+/).filter(Boolean);
  return encodeTokens([START_TOKEN, ...tokens, END_TOKEN], map, false, 'program');
}
