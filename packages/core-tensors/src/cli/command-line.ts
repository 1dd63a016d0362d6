import { UsageError } from './flags.js';

/** Where a command writes: stdout for results, stderr for progress and messages. */
export interface LineIo {
  out(line: string): void;
  err(line: string): void;
  /** Aborted on Ctrl-C: a command that fails then exits with code 130. */
  signal?: AbortSignal;
}

/** A subcommand: its one-line summary (the overview) and how it runs on the arguments after its name. */
export interface Subcommand {
  summary: string;
  run(argv: string[]): Promise<number>;
}

/** One line: error messages sometimes span lines (library diagnostics); the CLI reports one. */
export function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * Runs `program <command> [flags]`: the overview for no command or --help, and exit codes 0 success, 1 failure
 * (one line `program command: error: ...`), 2 bad command line (one line per problem, the last pointing to the
 * command's --help), 130 interrupted.
 */
export async function runCommandLine(
  program: string,
  commands: Record<string, Subcommand>,
  argv: readonly string[],
  io: LineIo,
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const width = Math.max(...Object.keys(commands).map((n) => n.length)) + 2;
    io.out(
      [
        `usage: ${program} <command> [flags]   (${program} <command> --help for its flags)`,
        '',
        'commands:',
        ...Object.entries(commands).map(([n, c]) => `  ${n.padEnd(width)}${c.summary}`),
      ].join('\n'),
    );
    return name === undefined ? 2 : 0;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    io.err(`${program}: unknown command "${name}" (commands: ${Object.keys(commands).join(', ')})`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      const lines = error.message.split('\n');
      lines.forEach((line, i) => {
        const see = i === lines.length - 1 ? ` (see ${program} ${name} --help)` : '';
        io.err(`${program} ${name}: ${line}${see}`);
      });
      return 2;
    }
    io.err(`${program} ${name}: error: ${oneLine(error instanceof Error ? error.message : String(error))}`);
    return io.signal?.aborted ? 130 : 1;
  }
}
