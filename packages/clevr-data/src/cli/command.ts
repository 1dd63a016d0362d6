import type { z } from 'zod';
import type { ProgressCallback } from '../io/progress.js';
import { type FlagSpecs, formatHelp, parseFlags } from './flags.js';
import { progressLines } from './progress-line.js';

/** Where a command writes: stdout for results, stderr for progress and messages. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Aborted on Ctrl-C: long commands stop cleanly and keep what can be resumed. */
  signal: AbortSignal;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  flags: FlagSpecs;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(argv: string[], io: CliIo): Promise<number>;
}

/** What a long-running library call takes from the CLI: progress lines on stderr and the Ctrl-C signal. */
interface CliTaskOptions {
  onProgress: ProgressCallback;
  signal: AbortSignal;
}

export interface CommandDefinition<S extends z.ZodType> {
  name: string;
  summary: string;
  usage: string;
  flags: FlagSpecs;
  /** Validates the parsed flags (keys are the flag names). */
  schema: S;
  /** Runs with validated flags; resolves to the exit code. */
  run(flags: z.output<S>, io: CliIo, task: CliTaskOptions): Promise<number>;
}

/**
 * A command whose --help, flag parsing and validation are handled here: `run` only gets valid flags (a bad
 * command line is a one-line UsageError before it runs).
 */
export function defineCommand<S extends z.ZodType>(definition: CommandDefinition<S>): Command {
  const { name, summary, usage, flags, schema } = definition;
  return {
    name,
    summary,
    usage,
    flags,
    async run(argv, io) {
      if (argv.includes('--help')) {
        io.out(formatHelp(usage, summary, flags));
        return 0;
      }
      const parsed = parseFlags(argv, flags, schema);
      return definition.run(parsed, io, { onProgress: progressLines(io.err), signal: io.signal });
    },
  };
}
