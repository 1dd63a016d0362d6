import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `mmnet-trainer-${prefix}-`));
}

export { captureIo } from '../../../test-support/cli-io.js';

/**
 * A command line from options, in their order: `{ model: 'PG', batch_size: 6 }` gives
 * `['--model', 'PG', '--batch_size', '6']`; `true` is a bare switch and `undefined` is left out.
 */
export function argvOf(options: Record<string, string | number | boolean | undefined>): string[] {
  return Object.entries(options).flatMap(([key, value]) =>
    value === undefined || value === false ? [] : value === true ? [`--${key}`] : [`--${key}`, String(value)],
  );
}

/** The options of a short training run on the tiny dataset: 2 iterations of 6 questions, one validation. */
export function shortRunOptions(data: string, config: string, out: string) {
  return {
    clevr_dataset: data,
    config,
    'stem-dim': 8,
    batch_size: 6,
    max_iterations: 2,
    num_iterations: 2,
    out,
    backend: 'wasm',
  };
}
