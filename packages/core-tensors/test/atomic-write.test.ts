import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withAtomicPath, writeFileAtomic, writeFileAtomicAsync } from '../src/files/atomic-write.js';

const dir = mkdtempSync(join(tmpdir(), 'mmnet-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('atomic writes', () => {
  it('writeFileAtomic replaces a file with strings, bytes or chunks, leaving no temporary file', () => {
    const sub = mkdtempSync(join(dir, 'sync-'));
    const path = join(sub, 'a.txt');
    writeFileAtomic(path, 'old');
    writeFileAtomic(path, [Buffer.from('ne'), Buffer.from('w')]);
    expect(readFileSync(path, 'utf8')).toBe('new');
    writeFileAtomic(path, new Uint8Array([104, 105]), { fsync: false });
    expect(readFileSync(path, 'utf8')).toBe('hi');
    expect(readdirSync(sub)).toEqual(['a.txt']);
  });

  it('writeFileAtomicAsync creates the folder and replaces the file', async () => {
    const path = join(dir, 'new', 'deeper', 'b.json');
    await writeFileAtomicAsync(path, '{"a":1}');
    await writeFileAtomicAsync(path, new Uint8Array([50]));
    expect(readFileSync(path, 'utf8')).toBe('2');
    expect(readdirSync(join(dir, 'new', 'deeper'))).toEqual(['b.json']);
  });

  it('a failed write keeps the old file and removes the temporary one', async () => {
    const sub = mkdtempSync(join(dir, 'fail-'));
    const path = join(sub, 'c.txt');
    writeFileSync(path, 'kept');
    const failing = withAtomicPath(path, async (tmp) => {
      writeFileSync(tmp, 'half');
      throw new Error('source broke');
    });
    await expect(failing).rejects.toThrow('source broke');
    expect(() => writeFileAtomic(join(sub, 'missing', 'd.txt'), 'x')).toThrow(/ENOENT/);
    expect(readFileSync(path, 'utf8')).toBe('kept');
    expect(readdirSync(sub)).toEqual(['c.txt']);
  });
});
