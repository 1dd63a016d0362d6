import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { ProgressCallback } from '../io/progress.js';
import { DEFAULT_INPUT_LIMITS } from '../limits/input-limits.js';
import { type ClevrLayout, verifyClevrLayout } from './clevr-layout.js';
import { DownloadError, downloadFile } from './http-download.js';
import { extractZip } from './safe-unzip.js';

export const CLEVR_V1_URL = 'https://dl.fbaipublicfiles.com/clevr/CLEVR_v1.0.zip';

export const downloadClevrConfigSchema = z.object({
  /** Folder that receives CLEVR_v1.0.zip and the extracted CLEVR_v1.0/ folder. */
  targetDir: z.string().min(1),
  url: z.url().default(CLEVR_V1_URL),
  /** Expected archive size in bytes, when known. */
  expectedSize: z.number().int().positive().optional(),
  /** Keep the zip after a successful extraction (default false). */
  keepZip: z.boolean().default(false),
  retries: z.number().int().min(0).default(3),
  /** Total uncompressed bytes the archive may extract to (see `InputLimits`). */
  maxArchiveBytes: z.number().int().positive().default(DEFAULT_INPUT_LIMITS.maxArchiveBytes),
});
export type DownloadClevrConfig = z.input<typeof downloadClevrConfigSchema>;

export interface DownloadClevrResult {
  layout: ClevrLayout;
  /** True when a verified CLEVR_v1.0 folder was already there and nothing was fetched. */
  alreadyPresent: boolean;
  downloadedBytes: number;
  resumedFrom: number;
}

/**
 * Downloads the official CLEVR v1.0 archive (resumable), extracts it safely and verifies the official layout.
 * A target that already holds a verified CLEVR_v1.0 folder is left as it is.
 */
export async function downloadClevr(
  config: DownloadClevrConfig,
  hooks: { onProgress?: ProgressCallback; signal?: AbortSignal; fetch?: typeof fetch } = {},
): Promise<DownloadClevrResult> {
  const cfg = downloadClevrConfigSchema.parse(config);
  const extracted = join(cfg.targetDir, 'CLEVR_v1.0');
  if (existsSync(extracted)) {
    return {
      layout: await verifyClevrLayout(extracted),
      alreadyPresent: true,
      downloadedBytes: 0,
      resumedFrom: 0,
    };
  }
  const zipPath = join(cfg.targetDir, archiveFileName(cfg.url));
  const dl = await downloadFile(cfg.url, zipPath, {
    expectedSize: cfg.expectedSize,
    retries: cfg.retries,
    onProgress: hooks.onProgress,
    signal: hooks.signal,
    fetch: hooks.fetch,
  });
  await extractZip(zipPath, cfg.targetDir, {
    onProgress: hooks.onProgress,
    signal: hooks.signal,
    maxTotalBytes: cfg.maxArchiveBytes,
  });
  let layout: ClevrLayout;
  try {
    layout = await verifyClevrLayout(extracted);
  } catch (err) {
    // An archive that is not CLEVR: do not leave its contents looking like a finished download.
    await rm(extracted, { recursive: true, force: true });
    throw err;
  }
  if (!cfg.keepZip) await rm(zipPath, { force: true });
  return { layout, alreadyPresent: false, downloadedBytes: dl.bytes, resumedFrom: dl.resumedFrom };
}

/**
 * The file name the archive of `url` is saved under inside the target folder: the URL's last path segment,
 * decoded. A name that is empty, `.`/`..`, or holds a path separator or NUL (`..%2F..%2Fx.zip`) would place the
 * file elsewhere, and is refused before anything is written.
 */
export function archiveFileName(url: string): string {
  const raw = new URL(url).pathname.split('/').pop() ?? '';
  let name: string;
  try {
    name = decodeURIComponent(raw);
  } catch {
    throw new DownloadError(url, `the URL's file name "${raw}" is not valid percent-encoding`);
  }
  if (name === '') return 'CLEVR_v1.0.zip';
  if (name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw new DownloadError(
      url,
      `the URL's file name "${name}" is not a plain file name (it would be written outside --target_dir)`,
    );
  }
  return name;
}
