import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { presetNames } from '@mmnet/clevr-data';
import type { CliIo } from '@mmnet/trainer';
import { describe, expect, it } from 'vitest';
import { runExample } from '../src/run-example.js';

function capture(): CliIo & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    out: (l) => lines.push(l),
    err: (l) => lines.push(l),
    progressStream: { isTTY: false, write: (s: string) => lines.push(s) },
  };
}

describe('examples/train-clevr', () => {
  it('builds a micro preset, trains, evaluates and writes the report', async () => {
    const base = mkdtempSync(join(tmpdir(), 'mmnet-train-clevr-'));
    const out = join(base, 'run');
    const io2 = capture();
    const code2 = await runExample(
      [
        '--preset',
        'clevr-micro',
        '--data-dir',
        join(base, 'data'),
        '--stem-dim',
        '8',
        '--max_iterations',
        '2',
        '--num_iterations',
        '2',
        '--out',
        out,
        '--backend',
        'wasm',
      ],
      io2,
      { baseDir: base },
    );
    expect(code2, io2.lines.join('\n')).toBe(0);
    const text = io2.lines.join('\n');
    expect(text).toMatch(/answer-type prior 0\.\d+/);
    expect(text).toMatch(/val accuracy \d\.\d{4} on \d+ questions/);
    expect(text).toContain(`report: ${join(out, 'report.html')}`);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    expect(existsSync(join(base, 'data', 'clevr-micro', 'val_features.h5'))).toBe(true);
  });

  it('refuses an unknown preset with one line and exit code 2', async () => {
    const io = capture();
    expect(await runExample(['--preset', 'huge'], io, { baseDir: tmpdir() })).toBe(2);
    expect(io.lines).toEqual([`train-clevr: --preset: must be one of ${presetNames().join(', ')}`]);
    expect(presetNames()).toEqual(expect.arrayContaining(['clevr-micro', 'clevr-mini']));
  });
});
