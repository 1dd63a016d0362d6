import { parseArgs } from 'node:util';
import { z } from 'zod';
import { UsageError } from './usage-error.js';

export { UsageError };

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

/** `expected a number` only for text that is not a number; other issues keep their own message. */
const flagNumber = () =>
  z.coerce.number({
    error: (issue) => (issue.code === 'invalid_type' ? 'expected a number' : undefined),
  });

/** A positive integer given as text. */
export const flagPositiveInt = flagNumber()
  .int({ message: 'expected a whole number' })
  .positive({ message: 'must be at least 1' });

/** A non-negative integer given as text. */
export const flagNonNegativeInt = flagNumber()
  .int({ message: 'expected a whole number' })
  .min(0, { message: 'must be 0 or more' });

/** Any integer given as text (negative values included). */
export const flagInt = flagNumber().int({ message: 'expected a whole number' });

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
    ({ values } = parseArgs({
      args: joinValues(argv, flags),
      options,
      strict: true,
      allowPositionals: false,
    }));
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

/**
 * `--name value` of a flag that takes a value, as `--name=value`: node's parseArgs refuses a value that starts
 * with `-` (`--width -5`) as ambiguous, while here it is always the flag's value (then checked by the schema).
 */
function joinValues(argv: string[], flags: FlagSpecs): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const name = arg.startsWith('--') && !arg.includes('=') ? arg.slice(2) : undefined;
    if (name !== undefined && flags[name]?.type === 'string' && i + 1 < argv.length) {
      out.push(`${arg}=${argv[i + 1]}`);
      i++;
    } else out.push(arg);
  }
  return out;
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
