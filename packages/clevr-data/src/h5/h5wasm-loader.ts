import { type FileHandle, open } from 'node:fs/promises';
import { devNull } from 'node:os';
import type * as H5Module from 'h5wasm/node';

export type H5 = typeof H5Module;
export type H5File = H5Module.File;
export type H5Dataset = H5Module.Dataset;

let loading: Promise<H5> | undefined;
let loaded: H5 | undefined;

/**
 * Loads h5wasm's Node build once (host filesystem through NODERAWFS) and waits for its wasm module. The
 * library's native stderr is sent to the null device: HDF5 prints dozens of `HDF5-DIAG` trace lines for a
 * damaged file, while the callers report each failure as one line naming the file.
 */
export function loadH5wasm(): Promise<H5> {
  loading ??= import('h5wasm/node').then(async (m) => {
    await m.ready;
    silenceNativeStderr(m);
    loaded = m;
    return m;
  });
  return loading;
}

/** Re-opens the wasm module's file descriptor 2 on the null device (the lowest free descriptor is reused). */
function silenceNativeStderr(m: H5): void {
  const fs = m.FS as unknown as {
    streams: ({ fd: number } | null)[];
    close(stream: unknown): void;
    open(path: string, flags: string): { fd: number };
  };
  const stderr = fs.streams[2];
  if (!stderr) return;
  fs.close(stderr);
  const stream = fs.open(devNull, 'w');
  if (stream.fd !== 2) throw new Error(`h5wasm: could not redirect its stderr (got descriptor ${stream.fd})`);
}

/** Thrown for an HDF5 file that cannot be used as expected; the message names the file (and dataset). */
export class H5FileError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'H5FileError';
  }
}

/**
 * Whatever a read of `path` threw, as an `H5FileError` naming the file (h5wasm throws bare messages such as
 * "error - name not defined!" for damaged files, sometimes strings or wasm RuntimeErrors).
 */
export function asH5FileError(path: string, err: unknown): H5FileError {
  if (err instanceof H5FileError) return err;
  const detail = errorMessage(err).split('\n')[0].trim();
  return new H5FileError(path, `damaged or unreadable HDF5 file (${detail})`);
}

/** h5wasm sometimes throws strings: turn whatever was thrown into a message. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Opens an HDF5 file; a missing or non-HDF5 file is an `H5FileError` naming it. */
export async function openH5(path: string, mode: 'r' | 'a' | 'w'): Promise<H5File> {
  const h5 = await loadH5wasm();
  if (mode !== 'w' && !(await hasHdf5Signature(path))) {
    throw new H5FileError(path, 'cannot open as HDF5 (no HDF5 signature)');
  }
  let file: H5File;
  try {
    file = new h5.File(path, mode);
  } catch (err) {
    throw new H5FileError(path, `cannot open as HDF5 (${errorMessage(err)})`);
  }
  if (!file.file_id || file.file_id < 0n) throw new H5FileError(path, 'cannot open as HDF5');
  return file;
}

const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * True when the file starts with the HDF5 superblock signature at offset 0, 512, 1024, 2048, ... (h5wasm does
 * not report a non-HDF5 file cleanly, so this is checked first). A missing file is an `H5FileError`.
 */
async function hasHdf5Signature(path: string): Promise<boolean> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new H5FileError(path, code === 'ENOENT' ? 'no such file' : `cannot read (${errorMessage(err)})`);
  }
  try {
    const { size } = await handle.stat();
    const buf = Buffer.alloc(SIGNATURE.length);
    for (let offset = 0; offset + SIGNATURE.length <= size; offset = offset === 0 ? 512 : offset * 2) {
      await handle.read(buf, 0, SIGNATURE.length, offset);
      if (buf.equals(SIGNATURE)) return true;
    }
    return false;
  } finally {
    await handle.close();
  }
}

/** The dataset `name` of an open file, or an error naming the file and the dataset. */
export function requireDataset(file: H5File, path: string, name: string): H5Dataset {
  const entity = file.get(name);
  if (!loaded || !(entity instanceof loaded.Dataset)) {
    throw new H5FileError(path, `missing dataset "${name}" (has: ${file.keys().join(', ') || 'nothing'})`);
  }
  return entity;
}
