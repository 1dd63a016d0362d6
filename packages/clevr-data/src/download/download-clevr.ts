import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { ProgressCallback } from '../io/progress.js';
import { type ClevrLayout, verifyClevrLayout } from './clevr-layout.js';
import { downloadFile } from './http-download.js';
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
  const zipName = decodeURIComponent(new URL(cfg.url).pathname.split('/').pop() || 'CLEVR_v1.0.zip');
  const zipPath = join(cfg.targetDir, zipName);
  const dl = await downloadFile(cfg.url, zipPath, {
    expectedSize: cfg.expectedSize,
    retries: cfg.retries,
    onProgress: hooks.onProgress,
    signal: hooks.signal,
    fetch: hooks.fetch,
  });
  await extractZip(zipPath, cfg.targetDir, { onProgress: hooks.onProgress, signal: hooks.signal });
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
