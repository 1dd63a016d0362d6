import { parseArgs } from 'node:util';
import { z } from 'zod';

/** A bad command line (of `mmnet-data`, and of `mmnet` too): reported as one line with exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

interface FlagSpec {
  /** `boolean` flags take no value; every other flag takes one (`--name value` or `--name=value`). */
  type: 'string' | 'boolean';
  description: string;
  /** Shown in --help. */
  default?: string;
  required?: boolean;
}

export type FlagSpecs = Record<string, FlagSpec>;

/** `0/1/true/false` (the reference scripts pass integers for switches). */
export const flagSwitch = z
  .enum(['0', '1', 'true', 'false'], { message: 'expected 0, 1, true or false' })
  .transform((v) => v === '1' || v === 'true');

/** A positive integer given as text. */
export const flagPositiveInt = z.coerce.number({ message: 'expected a number' }).int().positive();

/**
 * Parses `argv` against `flags` (strict: unknown flags and stray arguments are usage errors), then validates the
 * values with `schema` (keys are the flag names). Every problem becomes a one-line `UsageError`.
 */
export function parseFlags<S extends z.ZodType>(argv: string[], flags: FlagSpecs, schema: S): z.output<S> {
  let values: Record<string, string | boolean | undefined>;
  try {
    const options = Object.fromEntries(
      Object.entries(flags).map(([name, spec]) => [name, { type: spec.type }]),
    );
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError(describeParseError(err as Error));
  }
  for (const [name, spec] of Object.entries(flags)) {
    if (spec.required && values[name] === undefined) throw new UsageError(`missing required flag --${name}`);
  }
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = issue.path.length > 0 ? `--${String(issue.path[0])}` : 'flags';
    throw new UsageError(`${flag}: ${issue.message}`);
  }
  return parsed.data;
}

function describeParseError(err: Error): string {
  const unknown = /Unknown option '([^']+)'/.exec(err.message);
  if (unknown) return `unknown flag ${unknown[1]}`;
  const positional = /Unexpected argument '([^']+)'/.exec(err.message);
  if (positional) return `unexpected argument '${positional[1]}'`;
  const missing = /Option '([^']+?)(?: <value>)?' argument missing/.exec(err.message);
  if (missing) return `flag ${missing[1].split(',').pop()?.trim()} needs a value`;
  return err.message.split('\n')[0];
}

/** The --help text of a command: usage line, summary and one line per flag. */
export function formatHelp(usage: string, summary: string, flags: FlagSpecs): string {
  const width =
    Math.max(...Object.keys(flags).map((n) => n.length + (flags[n].type === 'string' ? 8 : 0)), 6) + 4;
  const lines = [`usage: ${usage}`, '', summary, '', 'flags:'];
  for (const [name, spec] of Object.entries(flags)) {
    const left = `--${name}${spec.type === 'string' ? ' <value>' : ''}`;
    const extra = spec.required
      ? ' (required)'
      : spec.default !== undefined
        ? ` (default: ${spec.default})`
        : '';
    lines.push(`  ${left.padEnd(width)}${spec.description}${extra}`);
  }
  lines.push(`  ${'--help'.padEnd(width)}show this help`);
  return lines.join('\n');
}
