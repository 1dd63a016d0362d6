/**
 * Accuracy of a trained run outside the training ranges: its own val split next to val sets rendered with
 * other cameras, lamps, object counts, image sizes and looks (`OUT_OF_RANGE_VARIANTS` of @mmnet/clevr-synth).
 *
 *   pnpm out-of-range --run runs/clevr-mini-PG-...    # writes results/out-of-range.{json,md}
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processIo } from '@mmnet/trainer';
import { runOutOfRange } from './out-of-range.js';

const here = dirname(fileURLToPath(import.meta.url));
const baseDir = resolve(join(here, '..'));

runOutOfRange(process.argv.slice(2), processIo, { baseDir, repoRoot: resolve(baseDir, '..', '..') }).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`out-of-range: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
