import { type FlagsSchema, type LineIo, parseCommandLine } from '@mmnet/core-tensors';
import type { z } from 'zod';
import type { ProgressCallback } from '../io/progress.js';
import { progressLines } from './progress-line.js';

/** Where a command writes: stdout for results, stderr for progress and messages. */
export interface CliIo extends LineIo {
  /** Aborted on Ctrl-C: long commands stop cleanly and keep what can be resumed. */
  signal: AbortSignal;
}

export interface Command {
  name: string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(argv: string[], io: CliIo): Promise<number>;
}

/** What a long-running library call takes from the CLI: progress lines on stderr and the Ctrl-C signal. */
interface CliTaskOptions {
  onProgress: ProgressCallback;
  signal: AbortSignal;
}

export interface CommandDefinition<S extends FlagsSchema> {
  name: string;
  summary: string;
  usage: string;
  /** The flags: one field each, with its description and default (--help is derived from it). */
  schema: S;
  /** Runs with validated flags; resolves to the exit code. */
  run(flags: z.output<S>, io: CliIo, task: CliTaskOptions): Promise<number>;
}

/**
 * A command whose --help, flag parsing and validation are handled here: `run` only gets valid flags (a bad
 * command line is a UsageError before it runs).
 */
export function defineCommand<S extends FlagsSchema>(definition: CommandDefinition<S>): Command {
  const { name, summary, usage, schema } = definition;
  return {
    name,
    async run(argv, io) {
      const flags = parseCommandLine(argv, schema, { usage, summary }, io.out);
      if (flags === null) return 0;
      return definition.run(flags, io, { onProgress: progressLines(io.err), signal: io.signal });
    },
  };
}
