export {
  CLEVR_SPLITS,
  type ClevrLayout,
  ClevrLayoutError,
  type ClevrSplit,
  verifyClevrLayout,
} from './clevr-layout.js';
export {
  archiveFileName,
  CLEVR_V1_URL,
  type DownloadClevrConfig,
  type DownloadClevrResult,
  downloadClevr,
  downloadClevrConfigSchema,
} from './download-clevr.js';
export {
  DownloadError,
  type DownloadOptions,
  type DownloadResult,
  downloadFile,
  partialDownloadPath,
} from './http-download.js';
export {
  type ExtractZipOptions,
  type ExtractZipResult,
  extractZip,
  unsafeEntryReason,
  ZipError,
} from './safe-unzip.js';
