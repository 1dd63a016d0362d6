import type { LineIo } from '@mmnet/core-tensors';
import type { WritableLike } from '../metrics/progress.js';

/** Where a command writes: stdout for results, stderr for progress and errors. */
export interface CliIo extends LineIo {
  /** The stream progress is drawn on (a bar when it is a TTY). */
  progressStream: WritableLike;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  progressStream: process.stderr,
};
