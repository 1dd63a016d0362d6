export interface TokenizeOptions {
  /** Token separator (a single space, as the reference). */
  delim?: string;
  /** Add `<START>` in front (default true). */
  addStartToken?: boolean;
  /** Add `<END>` at the back (default true). */
  addEndToken?: boolean;
  /** Punctuation split off as its own token (default `;` and `,`, as the reference). */
  punctToKeep?: readonly string[];
  /** Punctuation deleted (default `?` and `.`, as the reference). */
  punctToRemove?: readonly string[];
  /** Lower-case the text first (default false: the reference keeps case, its vocabulary has `What` and `what`). */
  lowercase?: boolean;
}

/**
 * Splits a question into tokens the way the reference preprocessing does: punctuation to keep gets a
 * delimiter in front of it, punctuation to remove is deleted, then the text is split on the delimiter
 * (so a double space gives an empty token, as in the reference vocabulary).
 */
export function tokenize(text: string, options: TokenizeOptions = {}): string[] {
  const delim = options.delim ?? ' ';
  let s = options.lowercase ? text.toLowerCase() : text;
  for (const p of options.punctToKeep ?? [';', ',']) s = s.split(p).join(`${delim}${p}`);
  for (const p of options.punctToRemove ?? ['?', '.']) s = s.split(p).join('');
  const tokens = s.split(delim);
  if (options.addStartToken ?? true) tokens.unshift('<START>');
  if (options.addEndToken ?? true) tokens.push('<END>');
  return tokens;
}
