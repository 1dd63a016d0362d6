import type { CliIo } from '@mmnet/trainer';

/**
 * An io for the trainer's `runCli` that records what a command prints: `stdout`, `stderr` (progress included, one
 * entry a write without its newline) and `lines`, both in the order they were printed.
 */
export function captureIo(): CliIo & { stdout: string[]; stderr: string[]; lines: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const lines: string[] = [];
  const to = (stream: string[]) => (line: string) => {
    stream.push(line);
    lines.push(line);
  };
  return {
    stdout,
    stderr,
    lines,
    out: to(stdout),
    err: to(stderr),
    progressStream: { isTTY: false, write: (s: string) => to(stderr)(s.replace(/\n$/, '')) },
  };
}
