/**
 * `pnpm --filter @mmnet/example-experiments charts`: redraws the chart PNGs of a results folder from its
 * results.json, without training or evaluating anything (e.g. after a change to how charts look).
 *
 *   npx tsx src/charts-main.ts [--results-dir DIR]   # default: results/ at the repository root
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type OptionSpec, parseArgv, UsageError } from '@mmnet/trainer';
import { parseResults } from './results.js';
import { writeCharts } from './write-results.js';

const packageDir = resolve(join(dirname(fileURLToPath(import.meta.url)), '..'));

const OPTIONS: OptionSpec[] = [
  {
    flag: '--results-dir',
    key: 'results_dir',
    value: 'DIR',
    kind: 'string',
    description: 'the folder with results.json',
  },
];

async function main(argv: string[]): Promise<void> {
  const parsed = parseArgv(argv, OPTIONS);
  const dir = resolve(String(parsed.results_dir ?? join(packageDir, '..', '..', 'results')));
  const file = join(dir, 'results.json');
  const { written } = await writeCharts(parseResults(readFileSync(file, 'utf8'), file), dir);
  process.stdout.write(`charts: ${written.join(', ')}\n`);
}

main(process.argv.slice(2).filter((a) => a !== '--')).catch((error) => {
  process.stderr.write(`charts: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
