import { runCommandLine } from '@mmnet/core-tensors';
import type { CliIo, Command } from './command.js';

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
    summary:
      'join the n shard files of `extract-features` or `preprocess-questions --shard i/n` into the file an unsharded run writes',
    load: async () => (await import('./commands/merge-features.js')).mergeFeaturesCommand,
  },
  stats: {
    summary: 'counts and answer distribution per question family of a questions JSON',
    load: async () => (await import('./commands/stats.js')).statsCommand,
  },
};

/**
 * Runs `mmnet-data` with `argv` (without node and script) and `commands`. Exit codes: 0 success, 1 failure (bad
 * input file, network, ...), 2 bad command line, 130 interrupted.
 */
export function runDataCli(
  argv: string[],
  io: CliIo,
  commands: CommandTable = DATA_COMMANDS,
): Promise<number> {
  const runnable = Object.fromEntries(
    Object.entries(commands).map(([name, c]) => [
      name,
      { summary: c.summary, run: async (rest: string[]) => (await c.load()).run(rest, io) },
    ]),
  );
  return runCommandLine('mmnet-data', runnable, argv, io);
}
