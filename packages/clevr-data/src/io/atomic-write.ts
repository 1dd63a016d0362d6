import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A sibling temporary path of `finalPath` (same folder, so the final rename is atomic on one filesystem). */
export function tempPathFor(finalPath: string, tag = randomBytes(4).toString('hex')): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.${tag}.tmp`);
}

/** Writes `data` to a temporary sibling of `path`, then renames it over `path`. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Runs `write(tmpPath)` and, only if it resolves, renames the temporary file onto `finalPath`.
 * On failure the temporary file is removed, so `finalPath` never holds a half-written file.
 */
export async function withAtomicPath<T>(
  finalPath: string,
  write: (tmpPath: string) => Promise<T>,
): Promise<T> {
  await mkdir(dirname(finalPath), { recursive: true });
  const tmp = tempPathFor(finalPath);
  try {
    const result = await write(tmp);
    await rename(tmp, finalPath);
    return result;
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
