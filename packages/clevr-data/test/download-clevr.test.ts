import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClevrLayoutError,
  DownloadError,
  downloadClevr,
  downloadFile,
  extractZip,
  partialDownloadPath,
  unsafeEntryReason,
  verifyClevrLayout,
} from '../src/download/index.js';
import type { Progress } from '../src/io/index.js';
import {
  buildZip,
  miniClevrFiles,
  renameZipEntry,
  serveBytes,
  type TestServer,
} from './download-fixtures.js';

const sizeOf = (path: string) => (existsSync(path) ? statSync(path).size : 0);

let dir: string;
let zip: Buffer;
let server: TestServer;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'download-'));
  zip = await buildZip(miniClevrFiles());
  server = await serveBytes(zip);
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('downloadFile', () => {
  it('resumes an interrupted download with a range request, in a later call', async () => {
    const dest = join(dir, 'a', 'CLEVR_v1.0.zip');
    server.ranges.length = 0;
    server.cutNextAfter = 1000;
    server.cutWhen = () => sizeOf(partialDownloadPath(dest)) >= 1000;
    await expect(downloadFile(server.url, dest, { retries: 0 })).rejects.toThrow(
      /CLEVR_v1\.0\.zip: transfer failed after 1 request\(s\).*kept in .*\.part for a resume/,
    );
    expect(existsSync(dest)).toBe(false);
    const kept = (await stat(partialDownloadPath(dest))).size;
    expect(kept).toBe(1000);
    expect(kept).toBeLessThan(zip.length);

    const progress: Progress[] = [];
    const res = await downloadFile(server.url, dest, {
      expectedSize: zip.length,
      onProgress: (p) => progress.push(p),
    });
    expect(server.ranges).toEqual(['', `bytes=${kept}-`]);
    expect(res).toMatchObject({ bytes: zip.length, resumedFrom: kept, requests: 1 });
    expect((await readFile(dest)).equals(zip)).toBe(true);
    expect(existsSync(partialDownloadPath(dest))).toBe(false);
    expect(progress.at(-1)).toEqual({ phase: 'download', done: zip.length, total: zip.length });
  });

  it('resumes within one call after a dropped connection', async () => {
    const dest = join(dir, 'b', 'CLEVR_v1.0.zip');
    server.ranges.length = 0;
    server.cutNextAfter = 700;
    server.cutWhen = () => sizeOf(partialDownloadPath(dest)) >= 700;
    const res = await downloadFile(server.url, dest, { retries: 2, retryDelayMs: 10 });
    expect(res.requests).toBe(2);
    expect(server.ranges[0]).toBe('');
    expect(server.ranges[1]).toBe('bytes=700-');
    expect((await readFile(dest)).equals(zip)).toBe(true);
  });

  it('checks the size', async () => {
    const dest = join(dir, 'c', 'CLEVR_v1.0.zip');
    await expect(
      downloadFile(server.url, dest, { expectedSize: zip.length + 5, retries: 0 }),
    ).rejects.toThrow(new RegExp(`server reports ${zip.length} bytes, expected ${zip.length + 5}`));
    expect(existsSync(dest)).toBe(false);
    await expect(
      downloadFile(`${server.url.replace(/\/clevr.*/, '')}:1/x`, dest, { retries: 0 }),
    ).rejects.toThrow(DownloadError);
  });
});

describe('extractZip', () => {
  it('refuses an entry that escapes the target folder, leaving nothing extracted', async () => {
    const files = miniClevrFiles();
    files['zz/evil.txt'] = 'pwned';
    // The malicious entry comes last, so that good entries were already extracted when it is met.
    const evil = renameZipEntry(await buildZip(files), 'zz/evil.txt', '../evil.txt');
    const zipPath = join(dir, 'evil.zip');
    await writeFile(zipPath, evil);
    const target = join(dir, 'evil-target');
    await expect(extractZip(zipPath, target)).rejects.toThrow(
      /evil\.zip: refused entry "\.\.\/evil\.txt": it would be written outside the target folder/,
    );
    expect(await readdir(target)).toEqual([]);
    expect(existsSync(join(dir, 'evil.txt'))).toBe(false);
  });

  it('names unsafe entry names', () => {
    expect(unsafeEntryReason('../evil.txt', '/t')).toMatch(/outside/);
    expect(unsafeEntryReason('/etc/passwd', '/t')).toMatch(/absolute/);
    expect(unsafeEntryReason('C:/x', '/t')).toMatch(/absolute/);
    expect(unsafeEntryReason('a\\..\\b', '/t')).toMatch(/backslash/);
    expect(unsafeEntryReason('CLEVR_v1.0/images/x.png', '/t')).toBeNull();
  });

  it('detects a corrupt entry', async () => {
    const good = await buildZip({ 'd/a.txt': 'x'.repeat(5000) });
    const bad = Buffer.from(good);
    bad[45] ^= 0xff; // inside the compressed data of the only entry
    const zipPath = join(dir, 'corrupt.zip');
    await writeFile(zipPath, bad);
    await expect(extractZip(zipPath, join(dir, 'corrupt-target'))).rejects.toThrow(
      /corrupt\.zip: .*"?d\/a\.txt"?/,
    );
    expect(await readdir(join(dir, 'corrupt-target'))).toEqual([]);
  });
});

describe('downloadClevr', () => {
  it('downloads, extracts and verifies the official layout; then finds it present', async () => {
    const target = join(dir, 'clevr');
    const res = await downloadClevr({ targetDir: target, url: server.url, expectedSize: zip.length });
    expect(res.alreadyPresent).toBe(false);
    expect(res.layout.imageCounts).toEqual({ train: 2, val: 2, test: 2 });
    expect(existsSync(join(target, 'CLEVR_v1.0.zip'))).toBe(false);
    expect(await readdir(target)).toEqual(['CLEVR_v1.0']);
    const again = await downloadClevr({ targetDir: target, url: server.url });
    expect(again.alreadyPresent).toBe(true);
  });

  it('a wrong layout is an error listing what is missing, and removed', async () => {
    const files = miniClevrFiles();
    delete files['CLEVR_v1.0/questions/CLEVR_val_questions.json'];
    delete files['CLEVR_v1.0/images/test/CLEVR_test_000000.png'];
    delete files['CLEVR_v1.0/images/test/CLEVR_test_000001.png'];
    const other = await serveBytes(await buildZip(files));
    try {
      const target = join(dir, 'wrong');
      const err = await downloadClevr({ targetDir: target, url: other.url }).catch((e) => e);
      expect(err).toBeInstanceOf(ClevrLayoutError);
      expect(err.message).toMatch(
        /missing or empty: questions\/CLEVR_val_questions\.json, images\/test\/\*\.png$/,
      );
      expect(existsSync(join(target, 'CLEVR_v1.0'))).toBe(false);
      await expect(verifyClevrLayout(target)).rejects.toThrow(ClevrLayoutError);
    } finally {
      await other.close();
    }
  });
});
