import type { CliIo, Command } from './command.js';
import { UsageError } from './flags.js';

/** A command of `mmnet-data`: its one-line summary, and its module, loaded on use. */
export interface CommandEntry {
  summary: string;
  load: () => Promise<Command>;
}
export type CommandTable = Record<string, CommandEntry>;

/**
 * The official pipeline's commands. Commands are loaded on use, so `--help` and bad flags answer without loading
 * tfjs. The `mmnet-data` bin (@mmnet/clevr-synth) adds the synthetic-data commands to these.
 */
export const DATA_COMMANDS: CommandTable = {
  download: {
    summary: 'download, extract and verify the official CLEVR v1.0 archive (resumable)',
    load: async () => (await import('./commands/download.js')).downloadCommand,
  },
  'preprocess-questions': {
    summary: 'questions JSON -> questions.h5 + vocab.json (as the reference preprocess_questions.py)',
    load: async () => (await import('./commands/preprocess-questions.js')).preprocessQuestionsCommand,
  },
  'extract-features': {
    summary: 'PNG images -> features.h5 [N, C, H, W] (raw pixels, a tfjs model, or the built-in CNN)',
    load: async () => (await import('./commands/extract-features.js')).extractFeaturesCommand,
  },
  'merge-features': {
    summary: 'join the n shard files of `extract-features --shard i/n` into the file an unsharded run writes',
    load: async () => (await import('./commands/merge-features.js')).mergeFeaturesCommand,
  },
  stats: {
    summary: 'counts and answer distribution per question family of a questions JSON',
    load: async () => (await import('./commands/stats.js')).statsCommand,
  },
};

function overview(commands: CommandTable): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length)) + 2;
  return [
    'usage: mmnet-data <command> [flags]   (mmnet-data <command> --help for its flags)',
    '',
    'commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}${c.summary}`),
  ].join('\n');
}

/** One line: error messages sometimes span lines (library diagnostics); the CLI reports one. */
function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * Runs `mmnet-data` with `argv` (without node and script) and `commands`. Exit codes: 0 success, 1 failure (bad
 * input file, network, ...), 2 bad command line, 130 interrupted.
 */
export async function runDataCli(
  argv: string[],
  io: CliIo,
  commands: CommandTable = DATA_COMMANDS,
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(overview(commands));
    return name === undefined ? 2 : 0;
  }
  const entry = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!entry) {
    io.err(`mmnet-data: unknown command "${name}" (commands: ${Object.keys(commands).join(', ')})`);
    return 2;
  }
  try {
    const command = await entry.load();
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`mmnet-data ${name}: ${oneLine(err.message)} (see mmnet-data ${name} --help)`);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    io.err(`mmnet-data ${name}: error: ${oneLine(message)}`);
    return io.signal.aborted ? 130 : 1;
  }
}
