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

/** The process id in a temporary name of `tempPathFor` (`.name.<pid>.<hex>.tmp`), or undefined. */
function writerPid(tempName: string): number | undefined {
  const m = /\.(\d+)\.[0-9a-f]+\.tmp$/.exec(tempName);
  return m ? Number(m[1]) : undefined;
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files that atomic writes into `dir` left behind when their process was killed (names
 * of `tempPathFor` whose process no longer runs; with `finalPath`, only those of that file). Returns their count.
 */
export function removeStaleTempFilesIn(dir: string, finalPath?: string): number {
  const prefix = finalPath === undefined ? '.' : `.${basename(finalPath)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = writerPid(name);
    if (pid === undefined || isAlive(pid)) continue;
    rmSync(join(dir, name), { force: true });
    removed++;
  }
  return removed;
}

/** `removeStaleTempFilesIn` for the temporary files of one file. Call it when a job that writes `finalPath` starts. */
export function removeStaleTempFiles(finalPath: string): number {
  return removeStaleTempFilesIn(dirname(finalPath), finalPath);
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
  removeStaleTempFiles(finalPath); // left by a writer killed earlier
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
