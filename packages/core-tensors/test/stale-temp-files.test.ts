import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeStaleTempFilesIn, writeFileAtomicAsync } from '../src/files/atomic-write.js';

/** Above Linux's largest pid (2^22): no process has it. */
const DEAD_PID = 4_194_311;

describe('temporary files of killed writers', () => {
  it('are removed by the next atomic write of the same file; those of running processes stay', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stale-tmp-'));
    const dead = join(dir, `.data.h5.${DEAD_PID}.28dbcce2.tmp`);
    const live = join(dir, `.data.h5.${process.pid}.0badf00d.tmp`);
    const other = join(dir, `.other.json.${DEAD_PID}.1.tmp`);
    for (const f of [dead, live, other]) writeFileSync(f, '');
    await writeFileAtomicAsync(join(dir, 'data.h5'), 'x');
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(other)).toBe(true);
    expect(removeStaleTempFilesIn(dir)).toBe(1);
    expect(readdirSync(dir).sort()).toEqual([`.data.h5.${process.pid}.0badf00d.tmp`, 'data.h5']);
  });
});
