import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  backendFlag,
  flagInt,
  flagNumber,
  flagSpecs,
  flagSwitch,
  helpText,
  parseCommandLine,
  parseFlags,
  readFlags,
  runCommandLine,
  UsageError,
} from '../src/cli/index.js';

const schema = z
  .object({
    input: z.string().min(1).meta({ description: 'file to read', value: 'FILE' }),
    batch_size: flagInt(1).default(32).meta({ description: 'rows per batch' }),
    rate: flagNumber().default(0.5).describe('learning rate'),
    mode: z.enum(['prefix', 'postfix']).default('prefix').meta({ description: 'program order' }),
    stem_dim: flagInt(1).default(64).meta({ description: 'channels', flag: 'stem-dim' }),
    keep: flagSwitch().default(false).meta({ description: 'keep the zip' }),
    limit: flagInt(0).optional().meta({ description: 'at most N', default: 'no limit' }),
    backend: backendFlag(),
  })
  .strict();

/** The message of the UsageError `fn` throws. */
function usageError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('no UsageError');
}

describe('flags from a zod schema', () => {
  it('help lists every field with its value, description and default', () => {
    const help = helpText('tool run --input FILE', 'Runs the tool.', schema);
    const lines = help.split('\n');
    expect(lines.slice(0, 5)).toEqual(['usage: tool run --input FILE', '', 'Runs the tool.', '', 'flags:']);
    const lineOf = (flag: string) => lines.find((l) => l.trimStart().startsWith(`${flag} `)) ?? '';
    expect(lineOf('--input')).toMatch(/^ {2}--input FILE +file to read \(required\)$/);
    expect(lineOf('--batch_size')).toMatch(/--batch_size N +rows per batch \(default: 32\)$/);
    expect(lineOf('--rate')).toMatch(/--rate X +learning rate \(default: 0\.5\)$/);
    expect(lineOf('--mode')).toMatch(/--mode prefix\|postfix +program order \(default: prefix\)$/);
    expect(lineOf('--stem-dim')).toMatch(/--stem-dim N +channels \(default: 64\)$/);
    expect(lineOf('--keep')).toMatch(/--keep +keep the zip \(default: false\)$/);
    expect(lineOf('--limit')).toMatch(/--limit N +at most N \(default: no limit\)$/);
    expect(lineOf('--backend')).toMatch(
      /--backend tensorflow\|wasm\|cpu +tfjs backend \(default: fastest available\)$/,
    );
    expect(lines.at(-1)).toMatch(/^ {2}--help +print this help$/);
    // One line per field, plus --help.
    expect(lines.length).toBe(5 + Object.keys(schema.shape).length + 1);
    for (const spec of flagSpecs(schema)) expect(help).toContain(spec.flag);
  });

  it('parses --flag value, --flag=value, switches and kebab/snake spellings into the typed object', () => {
    expect(
      parseFlags(
        ['--input', 'q.json', '--batch-size=8', '--stem_dim', '16', '--keep', '--rate', '-0.25'],
        schema,
      ),
    ).toEqual({ input: 'q.json', batch_size: 8, rate: -0.25, mode: 'prefix', stem_dim: 16, keep: true });
    for (const [argv, keep] of [
      [['--keep', '1'], true],
      [['--keep=0'], false],
      [['--keep', 'false'], false],
      [['--keep', 'true'], true],
    ] as const)
      expect(parseFlags(['--input', 'x', ...argv], schema).keep).toBe(keep);
    // Given again, the last one counts (a base command line with overrides appended).
    expect(parseFlags(['--input', 'x', '--batch_size', '4', '--batch_size', '8'], schema).batch_size).toBe(8);
    // A lone `--` (passed through by package scripts) is skipped.
    expect(parseFlags(['--', '--input', 'x'], schema).input).toBe('x');
  });

  it('refuses unknown flags, missing values, stray arguments and bad values, naming the flag', () => {
    expect(usageError(() => parseFlags(['--input', 'x', '--bogus', '1'], schema))).toBe(
      'unknown flag --bogus',
    );
    expect(usageError(() => parseFlags(['--input'], schema))).toBe('--input: needs a value (FILE)');
    expect(usageError(() => parseFlags(['--input', '--keep'], schema))).toBe('--input: needs a value (FILE)');
    expect(usageError(() => parseFlags(['--input', 'x', 'stray'], schema))).toBe(
      'unexpected argument "stray" (flags start with --)',
    );
    expect(usageError(() => parseFlags([], schema))).toBe('--input: is required');
    const bad: [string[], string][] = [
      [['--batch_size', '0'], '--batch_size: must be at least 1'],
      [['--batch_size', 'ten'], '--batch_size: must be an integer'],
      [['--batch_size', '1.5'], '--batch_size: must be an integer'],
      [['--rate', 'fast'], '--rate: must be a number'],
      [['--keep=maybe'], '--keep: must be 0/1 or true/false'],
      [['--stem-dim', '0'], '--stem-dim: must be at least 1'],
      [['--backend', 'gpu'], '--backend: must be one of tensorflow, wasm, cpu'],
    ];
    for (const [argv, message] of bad)
      expect(usageError(() => parseFlags(['--input', 'x', ...argv], schema))).toBe(message);
    // Every problem, one line each.
    expect(
      usageError(() => parseFlags(['--input', 'x', '--batch_size', '0', '--rate', 'x'], schema)).split('\n'),
    ).toEqual(['--batch_size: must be at least 1', '--rate: must be a number']);
  });

  it('keeps other arguments apart when the command takes them', () => {
    expect(readFlags(['a.pt', '--input', 'x', 'b'], schema, { positionals: true })).toEqual({
      values: { input: 'x' },
      positionals: ['a.pt', 'b'],
    });
  });

  it('answers --help before validating, even next to a bad flag', () => {
    const printed: string[] = [];
    const help = { usage: 'tool', summary: 'Runs.' };
    expect(parseCommandLine(['--bogus', '--help'], schema, help, (t) => printed.push(t))).toBeNull();
    expect(printed[0]).toContain('--batch_size N');
  });
});

describe('runCommandLine', () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
  };
  const commands = {
    run: {
      summary: 'runs',
      run: async (argv: string[]) => {
        const f = parseFlags(argv, schema);
        if (f.input === 'missing') throw new Error('missing: no such file\n(details)');
        return 0;
      },
    },
  };

  it('prints the overview, refuses unknown commands, and maps errors to exit codes 2 and 1', async () => {
    const a = io();
    expect(await runCommandLine('tool', commands, ['--help'], a.io)).toBe(0);
    expect(a.out[0]).toMatch(/^usage: tool <command> \[flags\][\s\S]*\n {2}run {2}runs$/);
    const b = io();
    expect(await runCommandLine('tool', commands, [], b.io)).toBe(2);
    const c = io();
    expect(await runCommandLine('tool', commands, ['fly'], c.io)).toBe(2);
    expect(c.err).toEqual(['tool: unknown command "fly" (commands: run)']);
    const d = io();
    expect(await runCommandLine('tool', commands, ['run', '--input', 'x', '--nope'], d.io)).toBe(2);
    expect(d.err).toEqual(['tool run: unknown flag --nope (see tool run --help)']);
    const e = io();
    expect(await runCommandLine('tool', commands, ['run', '--input', 'missing'], e.io)).toBe(1);
    expect(e.err).toEqual(['tool run: error: missing: no such file (details)']);
    const f = io();
    expect(await runCommandLine('tool', commands, ['run', '--input', 'x'], f.io)).toBe(0);
    expect(f.err).toEqual([]);
  });
});
