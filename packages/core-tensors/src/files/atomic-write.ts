import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** What an atomic write may skip. */
export interface AtomicWriteOptions {
  /**
   * Flush the bytes to disk before the rename (default true), so that a crash cannot leave a renamed but empty
   * file. Writers of many small files that can be made again (rendered images) may turn it off for speed.
   */
  fsync?: boolean;
}

/** A sibling temporary path of `finalPath` (same folder, so the final rename is atomic on one filesystem). */
export function tempPathFor(
  finalPath: string,
  tag = `${process.pid}.${randomBytes(4).toString('hex')}`,
): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.${tag}.tmp`);
}

/**
 * Removes temporary files that writes of `finalPath` left behind when their process was killed (the sibling
 * `.name.*.tmp` files of `tempPathFor`). Call it when a job that owns `finalPath` starts. Returns their count.
 */
export function removeStaleTempFiles(finalPath: string): number {
  const prefix = `.${basename(finalPath)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(finalPath));
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    if (name.startsWith(prefix) && name.endsWith('.tmp')) {
      rmSync(join(dirname(finalPath), name), { force: true });
      removed++;
    }
  }
  return removed;
}

/**
 * Writes a file so that readers see either the old file or the whole new one, never a part: the bytes go
 * to a temporary name in the same folder, are flushed to disk, and the temporary file is renamed.
 */
export function writeFileAtomic(
  path: string,
  data: Uint8Array | string | readonly Uint8Array[],
  options: AtomicWriteOptions = {},
): void {
  const tmp = tempPathFor(path);
  const chunks = typeof data === 'string' ? [Buffer.from(data)] : data instanceof Uint8Array ? [data] : data;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
    for (const chunk of chunks) {
      let offset = 0;
      while (offset < chunk.length) offset += writeSync(fd, chunk, offset, chunk.length - offset);
    }
    if (options.fsync ?? true) fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw error;
  }
}

/**
 * Runs `write(tmpPath)` and, only if it resolves, renames the temporary file onto `finalPath` (its folder is
 * created first). On failure the temporary file is removed, so `finalPath` never holds a half-written file.
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
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/** `writeFileAtomic` without blocking the event loop; also creates the file's folder. */
export async function writeFileAtomicAsync(
  path: string,
  data: Uint8Array | string,
  options: AtomicWriteOptions = {},
): Promise<void> {
  await withAtomicPath(path, async (tmp) => {
    const file = await open(tmp, 'w');
    try {
      await file.writeFile(data);
      if (options.fsync ?? true) await file.sync();
    } finally {
      await file.close();
    }
  });
}
