import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** An output path that cannot be written, found before any work is done. */
export class OutputPathError extends Error {
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`${path}: ${detail}`);
    this.name = 'OutputPathError';
  }
}

/**
 * Checks, before a long job starts, that a file can later be written at `path` (atomically: a temporary file in
 * the same folder, then a rename): the path is not a folder, and its folder exists or can be created and is
 * writable. The folder is created. `label` (a flag such as `--save_model`) starts the error message.
 */
export function prepareOutputFile(path: string, label: string): void {
  const fail = (detail: string): never => {
    throw new OutputPathError(path, `${label}: ${detail}`);
  };
  try {
    if (statSync(path).isDirectory()) fail('is a folder, expected a file name');
  } catch (error) {
    if (error instanceof OutputPathError) throw error;
    // missing: fine, it is written later
  }
  const folder = dirname(resolve(path));
  try {
    mkdirSync(folder, { recursive: true });
  } catch (error) {
    fail(`cannot create its folder ${folder} (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  try {
    accessSync(folder, constants.W_OK);
  } catch (error) {
    fail(`its folder ${folder} is not writable (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
}

/**
 * Checks, before a long job starts, that files can be written in the folder `dir` (created when missing). `label`
 * (a flag such as `--output_dir`) starts the error message.
 */
export function prepareOutputDir(dir: string, label: string): void {
  try {
    if (!statSync(dir).isDirectory())
      throw new OutputPathError(dir, `${label}: is a file, expected a folder`);
  } catch (error) {
    if (error instanceof OutputPathError) throw error;
  }
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw new OutputPathError(
      dir,
      `${label}: cannot create or write the folder (${(error as NodeJS.ErrnoException).code ?? error})`,
    );
  }
}
