#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCommandLine } from '@mmnet/core-tensors';
import type { CliIo, Command } from './command.js';

/** Commands are loaded on use: each loads only the code it needs. */
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

/**
 * Runs `mmnet-data` with `argv` (without node and script). Exit codes: 0 success, 1 failure (bad input file,
 * network, ...), 2 bad command line, 130 interrupted.
 */
export function runCli(argv: string[], io: CliIo): Promise<number> {
  const commands = Object.fromEntries(
    Object.entries(COMMANDS).map(([name, c]) => [
      name,
      { summary: c.summary, run: async (rest: string[]) => (await c.load()).run(rest, io) },
    ]),
  );
  return runCommandLine('mmnet-data', commands, argv, io);
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
