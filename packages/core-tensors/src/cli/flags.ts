import { z } from 'zod';
import { BackendNameSchema } from '../backend/backend-name.js';

/** A bad command line: the CLI prints its message (one line per problem) and exits with code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * What --help shows of a flag besides its schema's `description` and default (set with `.meta({...})` on the
 * field's schema, at any wrapper level).
 */
export interface FlagMeta {
  description?: string;
  /** The printed name when it is not the key (`stem-dim` for `stem_dim`); '-' and '_' match alike when parsing. */
  flag?: string;
  /** What the value looks like (`FILE`, `DIR`); by default `N` (integer), `X` (number), `a|b` (enum), `VALUE`. */
  value?: string;
  /** The default in words, for a flag whose schema has none (`from the vocab`). */
  default?: string;
}

/** One flag of a schema, as parsing and --help see it. */
export interface FlagSpec {
  /** Key in the parsed object (a field of the schema). */
  key: string;
  /** As printed: `--batch_size`. */
  flag: string;
  /** A switch takes no value (`--json`), or an explicit 0/1/true/false (`--json=0`, `--keep_zip 1`). */
  isSwitch: boolean;
  /** The value placeholder of --help; absent for switches. */
  value?: string;
  description: string;
  /** The default as --help prints it. */
  default?: string;
  required: boolean;
}

/** The zod object whose fields are a command's flags (refinements allowed). */
export type FlagsSchema = z.ZodObject;

const NUMBER_TEXT = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v);

/** A number from a command line (text) or a JSON config (number). */
export const flagNumber = () =>
  z.preprocess(
    NUMBER_TEXT,
    z.number({ error: 'must be a number' }).refine(Number.isFinite, 'must be a finite number'),
  );

/** An integer from a command line or a JSON config, at least `min` when given. */
export const flagInt = (min?: number) => {
  const int = z.number({ error: 'must be an integer' }).int('must be an integer');
  return z.preprocess(NUMBER_TEXT, min === undefined ? int : int.min(min, `must be at least ${min}`));
};

const SWITCH_WORDS: Record<string, boolean> = { 1: true, true: true, 0: false, false: false };

/** An on/off flag: given alone it is on; `0/1/true/false` as its value (`--keep_zip 1`, `--json=false`). */
export const flagSwitch = () =>
  z.preprocess(
    (v) => (typeof v === 'string' ? (SWITCH_WORDS[v.toLowerCase()] ?? v) : v),
    z.boolean({ error: 'must be 0/1 or true/false' }),
  );

type AnySchema = z.ZodType;

/** The schema under optional/default/pipe wrappers (the output side of a preprocess, the input side of a transform). */
function walk(schema: AnySchema, visit: (s: AnySchema) => void): AnySchema {
  let s = schema;
  for (;;) {
    visit(s);
    const def = s.def as { type: string; innerType?: AnySchema; in?: AnySchema; out?: AnySchema };
    if (def.innerType && ['optional', 'default', 'prefault', 'nullable', 'readonly'].includes(def.type))
      s = def.innerType;
    else if (def.type === 'pipe' && def.in && def.out) s = def.in.def.type === 'transform' ? def.out : def.in;
    else return s;
  }
}

function showDefault(value: unknown): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** The flags of `schema`, in its field order, with what --help shows of each. */
export function flagSpecs(schema: FlagsSchema): FlagSpec[] {
  return Object.entries(schema.shape).map(([key, field]) => {
    const meta: FlagMeta = {};
    let schemaDefault: unknown;
    const base = walk(field as AnySchema, (s) => {
      const own = z.globalRegistry.get(s) as FlagMeta | undefined;
      for (const [k, v] of Object.entries(own ?? {}))
        if (!(k in meta)) meta[k as keyof FlagMeta] = v as string;
      const def = s.def as { type: string; defaultValue?: unknown };
      if (def.type === 'default' && schemaDefault === undefined) schemaDefault = def.defaultValue;
    });
    const def = base.def as { type: string; values?: unknown[] };
    const isSwitch =
      def.type === 'boolean' ||
      (def.type === 'literal' && (def.values ?? []).some((v) => typeof v === 'boolean'));
    const placeholder =
      def.type === 'enum'
        ? (base as z.ZodEnum).options.join('|')
        : def.type === 'number'
          ? (base as z.ZodNumber).isInt
            ? 'N'
            : 'X'
          : 'VALUE';
    return {
      key,
      flag: `--${meta.flag ?? key}`,
      isSwitch,
      ...(isSwitch ? {} : { value: meta.value ?? placeholder }),
      description: meta.description ?? '',
      ...(schemaDefault !== undefined || meta.default !== undefined
        ? { default: meta.default ?? showDefault(schemaDefault) }
        : {}),
      required: !(field as AnySchema).safeParse(undefined).success,
    };
  });
}

const normalise = (name: string) => name.replace(/^-+/, '').replace(/-/g, '_').toLowerCase();

/** A command line split into flag values (text, or `true` for a switch given alone) and other arguments. */
export interface ReadFlags {
  values: Record<string, string | boolean>;
  positionals: string[];
}

/**
 * Splits `argv` by the flags of `schema`: `--name value`, `--name=value`, switches alone or with 0/1/true/false;
 * '-' and '_' in names match alike; a flag given again overrides; a lone `--` is skipped (package scripts pass it
 * through). Unknown flags, a missing value, and other arguments (unless `positionals`) are `UsageError`s naming
 * the token.
 */
export function readFlags(
  argv: readonly string[],
  schema: FlagsSchema,
  options: { positionals?: boolean } = {},
): ReadFlags {
  const specs = flagSpecs(schema);
  const byName = new Map(specs.map((s) => [normalise(s.key), s]));
  for (const s of specs) byName.set(normalise(s.flag), s);
  const values: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') continue;
    if (!arg.startsWith('--')) {
      if (!options.positionals) throw new UsageError(`unexpected argument "${arg}" (flags start with --)`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    const spec = byName.get(normalise(name));
    if (!spec) throw new UsageError(`unknown flag ${name}`);
    if (eq >= 0) values[spec.key] = arg.slice(eq + 1);
    else if (spec.isSwitch) {
      const next = argv[i + 1]?.toLowerCase();
      values[spec.key] = next !== undefined && next in SWITCH_WORDS ? argv[++i] : true;
    } else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2))
        throw new UsageError(`${spec.flag}: needs a value (${spec.value})`);
      values[spec.key] = next;
      i++;
    }
  }
  return { values, positionals };
}

/** One line per problem: `--flag: message` (`source` prefixes each, e.g. the config file's name). */
export function formatIssues(error: z.ZodError, schema: FlagsSchema, source = ''): string[] {
  const flagOf = new Map(flagSpecs(schema).map((s) => [s.key, s.flag]));
  return error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '');
    const flag = flagOf.get(key) ?? (key || '(flags)');
    const rest = issue.path.slice(1).join('.');
    return `${source}${flag}${rest ? `.${rest}` : ''}: ${issue.message}`;
  });
}

/**
 * Validates flag values (from `readFlags`, maybe merged with a config file) with `schema`: a `UsageError` with
 * one line per problem, each naming its flag, or the parsed object.
 */
export function checkFlags<S extends FlagsSchema>(values: Record<string, unknown>, schema: S): z.output<S> {
  const missing = flagSpecs(schema)
    .filter((s) => s.required && values[s.key] === undefined)
    .map((s) => `${s.flag}: is required`);
  if (missing.length) throw new UsageError(missing.join('\n'));
  const parsed = schema.safeParse(values);
  if (!parsed.success) throw new UsageError(formatIssues(parsed.error, schema).join('\n'));
  return parsed.data;
}

/** `readFlags` then `checkFlags`: a command line without other arguments, validated. */
export function parseFlags<S extends FlagsSchema>(argv: readonly string[], schema: S): z.output<S> {
  return checkFlags(readFlags(argv, schema).values, schema);
}

/** Whether `argv` asks for help (`--help` or `-h` anywhere): help answers even next to a bad flag. */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.some((a) => a === '--help' || a === '-h');
}

/** What --help prints above the flags. */
export interface CommandHelp {
  usage: string;
  summary: string;
}

/** `readFlags` unless the command line asks for help: then `null` after printing it (`--help` anywhere). */
export function readCommandLine(
  argv: readonly string[],
  schema: FlagsSchema,
  help: CommandHelp,
  print: (text: string) => void,
  options: { positionals?: boolean } = {},
): ReadFlags | null {
  if (wantsHelp(argv)) {
    print(helpText(help.usage, help.summary, schema));
    return null;
  }
  return readFlags(argv, schema, options);
}

/**
 * A command line without other arguments: `null` after printing the help, else the flags validated by `schema`
 * (a `UsageError` with one line per problem).
 */
export function parseCommandLine<S extends FlagsSchema>(
  argv: readonly string[],
  schema: S,
  help: CommandHelp,
  print: (text: string) => void,
): z.output<S> | null {
  const read = readCommandLine(argv, schema, help, print);
  return read && checkFlags(read.values, schema);
}

/** The --help text of a command: usage line(s), summary and one line per flag with its default. */
export function helpText(usage: string, summary: string, schema: FlagsSchema): string {
  const specs = flagSpecs(schema);
  const left = specs.map((s) => `  ${s.flag}${s.value ? ` ${s.value}` : ''}`);
  const width = Math.max(...left.map((l) => l.length), 8) + 2;
  const lines = specs.map((s, i) => {
    const extra = s.required ? ' (required)' : s.default !== undefined ? ` (default: ${s.default})` : '';
    return `${left[i].padEnd(width)}${s.description}${extra}`;
  });
  lines.push(`${'  --help'.padEnd(width)}print this help`);
  return [`usage: ${usage}`, '', summary, '', 'flags:', ...lines].join('\n');
}

/** `--backend`, shared by every command that starts tfjs: `initBackend({ prefer })` takes it. */
export const backendFlag = () =>
  z
    .enum(BackendNameSchema.options, { error: `must be one of ${BackendNameSchema.options.join(', ')}` })
    .optional()
    .meta({ description: 'tfjs backend', default: 'fastest available' });
