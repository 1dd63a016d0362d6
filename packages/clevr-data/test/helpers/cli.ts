import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import type { CliIo } from '../../src/cli/command.js';
import { runDataCli as runOfficialCli } from '../../src/cli/main.js';

/** The package folder (the working directory of a real `mmnet-data` process in tests). */
export const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A temporary folder for the calling test file, made before its tests and removed after them. */
export function useTempDir(prefix: string): { readonly path: string } {
  const holder = { path: '' };
  beforeAll(async () => {
    holder.path = await mkdtemp(join(tmpdir(), `${prefix}-`));
  });
  afterAll(async () => {
    await rm(holder.path, { recursive: true, force: true });
  });
  return holder;
}

/** Runs a command line in-process and records its exit code and the lines it prints. */
export async function captureCli(run: (argv: string[], io: CliIo) => Promise<number>, argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(argv, {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    signal: new AbortController().signal,
  });
  return { code, out, err };
}

/** Runs `mmnet-data` with the official pipeline's commands (no extractor registered) in-process. */
export function runDataCli(...argv: string[]) {
  return captureCli((args, io) => runOfficialCli(args, io), argv);
}

/**
 * Flags from options, in their order: `{ output_dir: dir, num_images: 1 }` gives
 * `['--output_dir', dir, '--num_images', '1']`.
 */
export function flagsOf(options: Record<string, string | number>): string[] {
  return Object.entries(options).flatMap(([key, value]) => [`--${key}`, String(value)]);
}
