import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { captureCli } from '../../../clevr-data/test/helpers/cli.js';
import { runMmnetData } from '../../src/cli/main.js';

export { flagsOf, useTempDir } from '../../../clevr-data/test/helpers/cli.js';

/** The package folder (the working directory of a real `mmnet-data` process in tests). */
export const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Runs `mmnet-data` (every command, this package's extractors registered) in-process. */
export function runMmnetDataCli(...argv: string[]) {
  return captureCli(runMmnetData, argv);
}
