/**
 * `pnpm --filter @mmnet/example-experiments charts`: redraws the chart PNGs of a results folder from its
 * results.json, without training or evaluating anything (e.g. after a change to how charts look).
 *
 *   npx tsx src/charts-main.ts [--results-dir DIR]   # default: results/ at the repository root
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkFlags, readCommandLine, UsageError } from '@mmnet/core-tensors';
import { z } from 'zod';
import { parseResults } from './results.js';
import { writeCharts } from './write-results.js';

const packageDir = resolve(join(dirname(fileURLToPath(import.meta.url)), '..'));

const flags = z.object({
  results_dir: z.string().min(1).optional().meta({
    description: 'the folder with results.json',
    value: 'DIR',
    default: 'results/ at the repository root',
  }),
});
const HELP = {
  usage: 'npx tsx src/charts-main.ts [--results-dir DIR]',
  summary: 'Redraws the chart PNGs of a results folder.',
};

async function main(argv: string[]): Promise<void> {
  const read = readCommandLine(argv, flags, HELP, (text) => process.stdout.write(`${text}\n`));
  if (!read) return;
  const parsed = checkFlags(read.values, flags);
  const dir = resolve(parsed.results_dir ?? join(packageDir, '..', '..', 'results'));
  const file = join(dir, 'results.json');
  const { written } = await writeCharts(parseResults(readFileSync(file, 'utf8'), file), dir);
  process.stdout.write(`charts: ${written.join(', ')}\n`);
}

main(process.argv.slice(2).filter((a) => a !== '--')).catch((error) => {
  process.stderr.write(`charts: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
