import { UsageError } from '@mmnet/clevr-data';
import { z } from 'zod';

/** A command-line option: its flag name (snake_case or kebab-case, both accepted), schema and help. */
export interface OptionSpec {
  /** Canonical name as printed (`--batch_size`, `--stem-dim`); '-' and '_' are interchangeable when parsing. */
  flag: string;
  /** Key in the parsed object. */
  key: string;
  /** What the value looks like in --help (`N`, `FILE`, ...); absent for on/off switches. */
  value?: string;
  description: string;
  /** Switches take no value (`--use_curriculum`), or an explicit 0/1/true/false (`--use_curriculum=0`). */
  kind: 'string' | 'number' | 'integer' | 'boolean';
  /** Shown in --help. */
  defaultText?: string;
}

// One UsageError for `mmnet` and `mmnet-data`: the CLI prints its one-line message and exits with code 2.
export { UsageError };

const normalise = (name: string) => name.replace(/^-+/, '').replace(/-/g, '_').toLowerCase();

/**
 * Splits argv into raw values by option (numbers stay strings until the zod schema coerces them). Unknown
 * options, missing values and repeated options are `UsageError`s, each naming the option.
 */
export function parseArgv(argv: string[], specs: readonly OptionSpec[]): Record<string, string | boolean> {
  const byName = new Map(specs.map((s) => [normalise(s.flag), s]));
  const out: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}" (options start with --)`);
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    const spec = byName.get(normalise(name));
    if (!spec) {
      throw new UsageError(`unknown option ${name} (see --help)`);
    }
    if (spec.key in out) throw new UsageError(`option ${spec.flag} given twice`);
    if (spec.kind === 'boolean') {
      out[spec.key] = eq >= 0 ? arg.slice(eq + 1) : true;
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || (value.startsWith('--') && value.length > 2)) {
        throw new UsageError(`option ${spec.flag} needs a value (${spec.value ?? 'VALUE'})`);
      }
      i++;
    }
    out[spec.key] = value;
  }
  return out;
}

/** zod helpers that accept the strings of a command line and the typed values of a JSON config alike. */
export const cliNumber = () =>
  z.preprocess(
    (v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v),
    z.number({ error: 'must be a number' }).refine(Number.isFinite, 'must be a finite number'),
  );
export const cliInt = (min = 1) =>
  z.preprocess(
    (v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v),
    z.number({ error: 'must be an integer' }).int('must be an integer').min(min, `must be at least ${min}`),
  );
export const cliBoolean = () =>
  z.preprocess(
    (v) => {
      if (typeof v !== 'string') return v;
      const s = v.toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(s)) return true;
      if (['0', 'false', 'no', 'off'].includes(s)) return false;
      return v;
    },
    z.boolean({ error: 'must be 0/1 or true/false' }),
  );

/** One line per problem: `--flag: message`. */
export function formatIssues(error: z.ZodError, specs: readonly OptionSpec[], source = ''): string[] {
  const flagOf = new Map(specs.map((s) => [s.key, s.flag]));
  return error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '');
    const flag = flagOf.get(key) ?? (key ? key : '(options)');
    const rest = issue.path.slice(1).join('.');
    return `${source}${flag}${rest ? `.${rest}` : ''}: ${issue.message}`;
  });
}

/** The --help text of a command. */
export function helpText(usage: string, summary: string, specs: readonly OptionSpec[]): string {
  const left = specs.map((s) => `  ${s.flag}${s.value ? ` ${s.value}` : ''}`);
  const width = Math.max(...left.map((l) => l.length)) + 2;
  const lines = specs.map((s, i) => {
    const def = s.defaultText !== undefined ? ` (default: ${s.defaultText})` : '';
    return `${left[i].padEnd(width)}${s.description}${def}`;
  });
  return [`usage: ${usage}`, '', summary, '', 'options:', ...lines].join('\n');
}

/** What a command prints for --help: its usage line and one-line summary (the options come from the specs). */
export interface CommandHelp {
  usage: string;
  summary: string;
}

/**
 * Parses and validates a command line: `null` after printing the help (--help), else the options, or a
 * UsageError with one line per problem.
 */
export function parseCommandLine<S extends z.ZodType>(
  argv: string[],
  specs: readonly OptionSpec[],
  schema: S,
  help: CommandHelp,
  print: (text: string) => void,
): z.output<S> | null {
  const raw = parseArgv(argv, specs);
  if (raw.help) {
    print(helpText(help.usage, help.summary, specs));
    return null;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new UsageError(formatIssues(parsed.error, specs).join('\n'));
  return parsed.data;
}
