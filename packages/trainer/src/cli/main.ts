import { builtinModels } from '../models/builtin-models.js';
import type { ModelRegistry } from '../models/registry.js';
import { convertCommand } from './commands/convert.js';
import { evalCommand } from './commands/eval.js';
import { exportCommand } from './commands/export.js';
import { predictCommand } from './commands/predict.js';
import { trainCommand } from './commands/train.js';
import { type CliIo, oneLine } from './io.js';
import { UsageError } from './options.js';

const COMMANDS: Record<
  string,
  { summary: string; run: (argv: string[], io: CliIo, registry: ModelRegistry) => Promise<number> }
> = {
  train: {
    summary: 'train a model (SAN, SAN_wbw, PG, PG_memory, PG_endtoend); resumable',
    run: trainCommand,
  },
  eval: {
    summary:
      'accuracy of a checkpoint overall, per kind of answer and per question family; program exact match',
    run: evalCommand,
  },
  predict: {
    summary: "answer questions in words about images, with the program the run's generator predicts",
    run: predictCommand,
  },
  convert: {
    summary:
      "a PyTorch checkpoint (clevr-iep's PG+EE, the reference's PG) as a run folder for eval and predict",
    run: convertCommand,
  },
  export: {
    summary:
      'a trained run as the files of a web page (--web RUN OUT: weights, vocab, config, feature extractor)',
    run: exportCommand,
  },
};

function overview(): string {
  return [
    'usage: mmnet <command> [options]   (mmnet <command> --help for its options)',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)}${c.summary}`),
  ].join('\n');
}

/**
 * Runs `mmnet` with `argv` (without node and script). Exit codes: 0 success, 1 failure (bad data file,
 * diverged loss, ...), 2 bad command line.
 */
export async function runCli(
  argv: string[],
  io: CliIo,
  registry: ModelRegistry = builtinModels(),
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(overview());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`mmnet: unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(', ')})`);
    return 2;
  }
  try {
    return await command.run(rest, io, registry);
  } catch (error) {
    if (error instanceof UsageError) {
      for (const line of error.message.split('\n')) io.err(`mmnet ${name}: ${line}`);
      return 2;
    }
    io.err(`mmnet ${name}: ${oneLine(error instanceof Error ? error.message : String(error))}`);
    return 1;
  }
}
