/**
 * `pnpm experiments`: every mmnet model on the clevr-small preset (or clevr-micro with --smoke), resumable.
 *
 *   pnpm experiments --smoke                  # everything end to end in a few minutes
 *   pnpm experiments --hours-per-model 2      # the real runs (long: run it in the background)
 *   pnpm experiments --only SAN,PG            # some experiments now; the results keep every finished one
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processIo } from '@mmnet/trainer';
import { gitCodeVersion } from './code-version.js';
import { runExperiments } from './run-experiments.js';

const packageDir = resolve(join(dirname(fileURLToPath(import.meta.url)), '..'));

runExperiments(process.argv.slice(2), processIo, {
  packageDir,
  repoDir: resolve(packageDir, '..', '..'),
  codeVersion: gitCodeVersion(packageDir),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`experiments: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
