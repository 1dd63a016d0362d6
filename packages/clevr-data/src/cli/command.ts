import type { FlagSpecs } from './flags.js';

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
