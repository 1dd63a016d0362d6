import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { ProgressCallback } from '../io/progress.js';

export class DownloadError extends Error {
  constructor(
    readonly url: string,
    detail: string,
  ) {
    super(`${url}: ${detail}`);
    this.name = 'DownloadError';
  }
}

export interface DownloadOptions {
  /** Expected size in bytes; a download of another size is an error (checked against the server's too). */
  expectedSize?: number;
  /** Automatic resumes after a dropped connection within this call (default 3). */
  retries?: number;
  /** Delay before a retry (default 1000 ms). */
  retryDelayMs?: number;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  /** Injectable for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  /** Bytes that were already on disk from an earlier, interrupted run. */
  resumedFrom: number;
  /** Number of HTTP requests made. */
  requests: number;
}

/** Where an unfinished download of `dest` is kept between runs. */
export function partialDownloadPath(dest: string): string {
  return `${dest}.part`;
}

/**
 * Downloads `url` to `dest` with HTTP range resume: bytes go to `<dest>.part`, an interrupted transfer continues
 * from where it stopped (in this call up to `retries` times, or in a later call), and the file is renamed to
 * `dest` only once its size matches the server's (and `expectedSize`).
 */
export async function downloadFile(
  url: string,
  dest: string,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  const { expectedSize, retries = 3, retryDelayMs = 1000, onProgress, signal } = options;
  const doFetch = options.fetch ?? fetch;
  if (existsSync(dest)) {
    const size = (await stat(dest)).size;
    if (expectedSize === undefined || size === expectedSize) {
      return { path: dest, bytes: size, resumedFrom: size, requests: 0 };
    }
    throw new DownloadError(url, `${dest} exists with ${size} bytes, expected ${expectedSize}; delete it`);
  }
  await mkdir(dirname(dest), { recursive: true });
  const part = partialDownloadPath(dest);
  const sizeOnDisk = async () => (existsSync(part) ? (await stat(part)).size : 0);
  const resumedFrom = await sizeOnDisk();
  let requests = 0;
  let total: number | undefined = expectedSize;
  for (let attempt = 0; ; attempt++) {
    const have = await sizeOnDisk();
    if (total !== undefined && have > total) {
      await rm(part, { force: true });
      throw new DownloadError(
        url,
        `partial file ${part} has ${have} bytes, more than the ${total} expected; removed`,
      );
    }
    if (total !== undefined && have === total) break;
    try {
      requests++;
      const res = await doFetch(url, {
        headers: have > 0 ? { Range: `bytes=${have}-` } : {},
        signal,
        redirect: 'follow',
      });
      let start = have;
      if (res.status === 416 && have > 0) {
        // Requested range starts at or after the end: the partial file may already be complete.
        const whole = parseContentRangeTotal(res.headers.get('content-range'));
        await res.body?.cancel();
        if (whole === have) {
          total ??= whole;
          break;
        }
        throw new DownloadError(url, `server refused range ${have}- (HTTP 416, size ${whole ?? 'unknown'})`);
      }
      if (res.status === 206) {
        const range = res.headers.get('content-range');
        const rangeStart = Number(/bytes (\d+)-/.exec(range ?? '')?.[1]);
        if (rangeStart !== have)
          throw new DownloadError(url, `server answered range "${range}" to bytes=${have}-`);
        const whole = parseContentRangeTotal(range);
        if (whole !== undefined) checkTotal(url, whole, total, expectedSize);
        total ??= whole;
      } else if (res.status === 200) {
        start = 0; // the server ignored the range: start over
        const length = Number(res.headers.get('content-length') ?? Number.NaN);
        if (Number.isFinite(length)) checkTotal(url, length, total, expectedSize);
        if (Number.isFinite(length)) total ??= length;
      } else {
        await res.body?.cancel();
        throw new DownloadError(url, `HTTP ${res.status} ${res.statusText}`);
      }
      if (!res.body) throw new DownloadError(url, 'empty response body');
      let done = start;
      const counted = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
      counted.on('data', (chunk: Buffer) => {
        done += chunk.length;
        onProgress?.({ phase: 'download', done, total });
      });
      await pipeline(counted, createWriteStream(part, { flags: start === 0 ? 'w' : 'a' }));
      if (total === undefined) total = await sizeOnDisk(); // no size given by the server: trust a clean end
      if (done < total) throw new Error(`connection closed after ${done} of ${total} bytes`);
    } catch (err) {
      if (signal?.aborted) throw new DownloadError(url, 'download aborted (partial file kept for a resume)');
      if (err instanceof DownloadError || attempt >= retries) {
        if (err instanceof DownloadError) throw err;
        throw new DownloadError(
          url,
          `transfer failed after ${requests} request(s) (${(err as Error).message}); ${await sizeOnDisk()} bytes kept in ${part} for a resume`,
        );
      }
      await new Promise((r) => setTimeout(r, retryDelayMs));
    }
  }
  const bytes = await sizeOnDisk();
  if (expectedSize !== undefined && bytes !== expectedSize) {
    throw new DownloadError(url, `downloaded ${bytes} bytes, expected ${expectedSize}`);
  }
  await rename(part, dest);
  onProgress?.({ phase: 'download', done: bytes, total: bytes });
  return { path: dest, bytes, resumedFrom, requests };
}

function parseContentRangeTotal(header: string | null): number | undefined {
  const m = /\/(\d+)\s*$/.exec(header ?? '');
  return m ? Number(m[1]) : undefined;
}

function checkTotal(
  url: string,
  fromServer: number,
  known: number | undefined,
  expected: number | undefined,
): void {
  if (expected !== undefined && fromServer !== expected) {
    throw new DownloadError(url, `server reports ${fromServer} bytes, expected ${expected}`);
  }
  if (known !== undefined && fromServer !== known) {
    throw new DownloadError(url, `server now reports ${fromServer} bytes, earlier ${known}`);
  }
}
