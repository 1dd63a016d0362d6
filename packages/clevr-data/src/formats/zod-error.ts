import type { z } from 'zod';

/** Formats a zod issue path as `questions[12].program[3].function` (numbers as indices, keys dotted). */
export function formatIssuePath(path: readonly PropertyKey[], root = ''): string {
  let out = root;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

/**
 * Turns a zod error into one line naming the path of its first issue, e.g.
 * `questions[12].program[3].function: Invalid input: expected string, received undefined`.
 * When there are more issues, the count of the others is appended.
 */
export function formatZodError(error: z.ZodError, root = ''): string {
  const [first, ...rest] = error.issues;
  if (!first) return `${root || '(root)'}: invalid`;
  const more = rest.length > 0 ? ` (and ${rest.length} more issue${rest.length > 1 ? 's' : ''})` : '';
  return `${formatIssuePath(first.path, root)}: ${first.message}${more}`;
}

/** Parses `data` with `schema`; on failure throws an Error whose message names the source and the bad path. */
export function parseWithSchema<T extends z.ZodType>(schema: T, data: unknown, source: string): z.output<T> {
  const result = schema.safeParse(data);
  if (!result.success) throw new Error(`${source}: ${formatZodError(result.error)}`);
  return result.data;
}
