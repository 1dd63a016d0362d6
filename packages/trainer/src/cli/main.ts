import { runCommandLine } from '@mmnet/core-tensors';
import { builtinModels } from '../models/builtin-models.js';
import type { ModelRegistry } from '../models/registry.js';
import { convertCommand } from './commands/convert.js';
import { evalCommand } from './commands/eval.js';
import { exportCommand } from './commands/export.js';
import { predictCommand } from './commands/predict.js';
import { trainCommand } from './commands/train.js';
import type { CliIo } from './io.js';

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

/**
 * Runs `mmnet` with `argv` (without node and script). Exit codes: 0 success, 1 failure (bad data file,
 * diverged loss, ...), 2 bad command line.
 */
export function runCli(
  argv: string[],
  io: CliIo,
  registry: ModelRegistry = builtinModels(),
): Promise<number> {
  const commands = Object.fromEntries(
    Object.entries(COMMANDS).map(([name, c]) => [
      name,
      { summary: c.summary, run: (rest: string[]) => c.run(rest, io, registry) },
    ]),
  );
  return runCommandLine('mmnet', commands, argv, io);
}
