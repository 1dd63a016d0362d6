#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CliIo, Command } from './command.js';
import { UsageError } from './flags.js';

/** Commands are loaded on use, so `--help` and bad flags answer without loading tfjs. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
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
  generate: {
    summary: 'synthetic CLEVR split: seeded scenes, rendered PNGs, template questions (official layout)',
    load: async () => (await import('./commands/generate.js')).generateCommand,
  },
  'build-preset': {
    summary:
      'a named synthetic dataset with everything training needs (images, questions, vocab, HDF5 files)',
    load: async () => (await import('./commands/build-preset.js')).buildPresetCommand,
  },
  stats: {
    summary: 'counts and answer distribution per question family of a questions JSON',
    load: async () => (await import('./commands/stats.js')).statsCommand,
  },
};

function overview(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length)) + 2;
  return [
    'usage: mmnet-data <command> [flags]   (mmnet-data <command> --help for its flags)',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}${c.summary}`),
  ].join('\n');
}

/** One line: error messages sometimes span lines (library diagnostics); the CLI reports one. */
function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * Runs `mmnet-data` with `argv` (without node and script). Exit codes: 0 success, 1 failure (bad input file,
 * network, ...), 2 bad command line, 130 interrupted.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(overview());
    return name === undefined ? 2 : 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    io.err(`mmnet-data: unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(', ')})`);
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

async function main(): Promise<void> {
  const controller = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('interrupted: stopping after the current step (progress is kept for a resume)\n');
    controller.abort();
  });
  const code = await runCli(process.argv.slice(2), {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    signal: controller.signal,
  });
  process.exitCode = code;
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) void main();
