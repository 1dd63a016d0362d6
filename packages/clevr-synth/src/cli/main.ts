#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type CliIo, type CommandTable, DATA_COMMANDS, runDataCli } from '@mmnet/clevr-data';
import { registerExtractors } from '../extractors/register.js';

/**
 * Every command of `mmnet-data`: the official pipeline's (@mmnet/clevr-data) and the synthetic ones, loaded on
 * use, so `--help` and bad flags answer without loading tfjs.
 */
export const MMNET_DATA_COMMANDS: CommandTable = {
  ...DATA_COMMANDS,
  generate: {
    summary: 'synthetic CLEVR split: seeded scenes, rendered PNGs, template questions (official layout)',
    load: async () => (await import('./commands/generate.js')).generateCommand,
  },
  'build-preset': {
    summary:
      'a named synthetic dataset with everything training needs (images, questions, vocab, HDF5 files)',
    load: async () => (await import('./commands/build-preset.js')).buildPresetCommand,
  },
};

/**
 * Runs `mmnet-data` with `argv` (without node and script), with this package's extractors (`builtin`,
 * `tfjs-model`) registered for `extract-features`. Exit codes as `runDataCli`'s.
 */
export function runMmnetData(argv: string[], io: CliIo): Promise<number> {
  registerExtractors();
  return runDataCli(argv, io, MMNET_DATA_COMMANDS);
}

async function main(): Promise<void> {
  const controller = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('interrupted: stopping after the current step (progress is kept for a resume)\n');
    controller.abort();
  });
  const code = await runMmnetData(process.argv.slice(2), {
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
