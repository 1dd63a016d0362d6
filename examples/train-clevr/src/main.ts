/**
 * The main job: builds the clevr-mini synthetic CLEVR preset and its features (cached in ./data), trains the
 * default model with `mmnet train`, evaluates it on val with `mmnet eval`, and prints where the report is.
 *
 *   pnpm start                                  # everything with the defaults
 *   pnpm start --model PG_memory --max-epochs 2 # any `mmnet train` option is passed through
 *   pnpm start --clevr-dir /data/CLEVR_v1.0     # the official CLEVR layout instead of the synthetic preset
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processIo } from '@mmnet/trainer';
import { runExample } from './run-example.js';

const here = dirname(fileURLToPath(import.meta.url));

runExample(process.argv.slice(2), processIo, { baseDir: resolve(join(here, '..')) }).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`train-clevr: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
