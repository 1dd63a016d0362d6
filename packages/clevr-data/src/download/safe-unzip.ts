import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import type { ProgressCallback } from '../io/progress.js';
import { DEFAULT_INPUT_LIMITS, LIMIT_FLAGS } from '../limits/input-limits.js';

export class ZipError extends Error {
  constructor(
    readonly zip: string,
    detail: string,
  ) {
    super(`${zip}: ${detail}`);
    this.name = 'ZipError';
  }
}

export interface ExtractZipOptions {
  /** Entries done out of the archive's entry count. */
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  /** Replace top-level entries that already exist in the target folder (default false: error). */
  overwrite?: boolean;
  /** Total uncompressed bytes the entries may hold (default `DEFAULT_INPUT_LIMITS.maxArchiveBytes`). */
  maxTotalBytes?: number;
}

export interface ExtractZipResult {
  files: number;
  bytes: number;
  /** Top-level names moved into the target folder. */
  topLevel: string[];
}

/**
 * The reason a zip entry name is unsafe to extract below `target` (absolute path, drive letter, backslash, `..`
 * segment, or anything resolving outside `target`), or null when it is safe.
 */
export function unsafeEntryReason(name: string, target: string): string | null {
  if (name.includes('\\')) return 'contains a backslash';
  if (name.includes('\0')) return 'contains a NUL character';
  if (/^[a-zA-Z]:/.test(name) || name.startsWith('/') || isAbsolute(name)) return 'is an absolute path';
  if (name.split('/').includes('..')) return 'would be written outside the target folder';
  const root = resolve(target);
  const dest = resolve(root, name);
  if (dest !== root && !dest.startsWith(root + sep)) return 'would be written outside the target folder';
  return null;
}

/** yauzl's own decoder for entry names (needed because we validate names ourselves with `decodeStrings: false`). */
const getFileNameLowLevel = (
  yauzl as unknown as {
    getFileNameLowLevel: (flags: number, raw: Buffer, extra: unknown, strict: boolean) => string;
  }
).getFileNameLowLevel;

/**
 * Extracts `zipPath` into `targetDir` safely: every entry name is checked first (an entry that would escape the
 * target folder is refused with an error naming it), each file's CRC-32 and size are verified, and everything is
 * extracted into a hidden staging folder that is moved into place only when the whole archive succeeded; on any
 * error the staging folder is removed, so nothing half-extracted is left looking complete.
 */
export async function extractZip(
  zipPath: string,
  targetDir: string,
  options: ExtractZipOptions = {},
): Promise<ExtractZipResult> {
  const {
    onProgress,
    signal,
    overwrite = false,
    maxTotalBytes = DEFAULT_INPUT_LIMITS.maxArchiveBytes,
  } = options;
  await mkdir(targetDir, { recursive: true });
  const staging = join(targetDir, `.extracting-${randomBytes(4).toString('hex')}`);
  await mkdir(staging);
  let zip: yauzl.ZipFile | undefined;
  try {
    zip = await openZip(zipPath);
    const result = await extractEntries(zipPath, zip, staging, maxTotalBytes, onProgress, signal);
    const topLevel = await readdir(staging);
    for (const name of topLevel) {
      const dest = join(targetDir, name);
      if (existsSync(dest)) {
        if (!overwrite)
          throw new ZipError(zipPath, `"${dest}" already exists (remove it or allow overwrite)`);
        await rm(dest, { recursive: true, force: true });
      }
    }
    for (const name of topLevel) await rename(join(staging, name), join(targetDir, name));
    return { ...result, topLevel };
  } finally {
    zip?.close();
    await rm(staging, { recursive: true, force: true });
  }
}

function openZip(zipPath: string): Promise<yauzl.ZipFile> {
  return new Promise((resolvePromise, reject) => {
    yauzl.open(
      zipPath,
      { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, autoClose: false },
      (err, zip) => {
        if (err || !zip) reject(new ZipError(zipPath, `cannot open as a zip archive (${err?.message})`));
        else resolvePromise(zip);
      },
    );
  });
}

function extractEntries(
  zipPath: string,
  zip: yauzl.ZipFile,
  staging: string,
  maxTotalBytes: number,
  onProgress: ProgressCallback | undefined,
  signal: AbortSignal | undefined,
): Promise<{ files: number; bytes: number }> {
  return new Promise((resolvePromise, reject) => {
    let files = 0;
    let bytes = 0;
    let entries = 0;
    let declared = 0;
    let failed = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      reject(err instanceof ZipError ? err : new ZipError(zipPath, (err as Error).message));
    };
    zip.on('error', fail);
    zip.on('end', () => {
      if (!failed) resolvePromise({ files, bytes });
    });
    zip.on('entry', (entry: yauzl.Entry) => {
      const raw = entry.fileName as unknown as Buffer;
      const name = getFileNameLowLevel(entry.generalPurposeBitFlag, raw, entry.extraFields, true);
      const handle = async () => {
        if (signal?.aborted) throw new ZipError(zipPath, 'extraction aborted');
        const reason = unsafeEntryReason(name, staging);
        if (reason) throw new ZipError(zipPath, `refused entry "${name}": it ${reason}`);
        const mode = (entry.externalFileAttributes >>> 16) & 0o170000;
        if (mode === 0o120000)
          throw new ZipError(zipPath, `refused entry "${name}": symbolic links are not extracted`);
        // Sizes are checked against the declared ones while extracting (validateEntrySizes), so the declared
        // total bounds what is written.
        declared += entry.uncompressedSize;
        if (declared > maxTotalBytes) {
          throw new ZipError(
            zipPath,
            `entries up to "${name}" extract to ${declared} bytes, over the limit of ${maxTotalBytes} (raise it with ${LIMIT_FLAGS.maxArchiveBytes})`,
          );
        }
        const dest = join(staging, name);
        if (name.endsWith('/')) {
          await mkdir(dest, { recursive: true });
        } else {
          await mkdir(dirname(dest), { recursive: true });
          const stream = await openEntry(zip, entry);
          let crc = 0;
          let size = 0;
          const check = new Transform({
            transform(chunk: Buffer, _enc, cb) {
              crc = crc32(chunk, crc);
              size += chunk.length;
              cb(null, chunk);
            },
          });
          await pipeline(stream, check, createWriteStream(dest));
          if (size !== entry.uncompressedSize || crc !== entry.crc32) {
            throw new ZipError(zipPath, `entry "${name}" is corrupt (CRC-32 or size mismatch)`);
          }
          files++;
          bytes += size;
        }
        entries++;
        onProgress?.({ phase: 'extract', done: entries, total: zip.entryCount });
      };
      handle().then(
        () => {
          if (!failed) zip.readEntry();
        },
        (err) => {
          const message = (err as Error).message;
          const named = err instanceof ZipError ? err : new ZipError(zipPath, `entry "${name}": ${message}`);
          fail(named);
        },
      );
    });
    zip.readEntry();
  });
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolvePromise, reject) => {
    zip.openReadStream(entry, (err, stream) => (err ? reject(err) : resolvePromise(stream)));
  });
}
