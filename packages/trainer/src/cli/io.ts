import type { WritableLike } from '../metrics/progress.js';

/** Where a command writes: stdout for results, stderr for progress and errors. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** The stream progress is drawn on (a bar when it is a TTY). */
  progressStream: WritableLike;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  progressStream: process.stderr,
};

/** One line: error messages sometimes span lines; the CLI reports one. */
export function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}
