import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { presetNames } from '@mmnet/clevr-data';
import { type CliIo, runCli } from '@mmnet/trainer';
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
    // The run ends with the accuracies of both halves and a ready-to-paste question in words.
    expect(text).toMatch(
      /^val accuracy with predicted programs: \d+\.\d % \(\d+ questions\); with ground-truth programs: \d+\.\d %$/m,
    );
    expect(text).toMatch(/^program exact match: \d+\.\d %$/m);
    const command =
      /^ {2}pnpm --filter @mmnet\/example-train-clevr exec mmnet predict --run (\S+) --image (\S+) --question "([^"]+)"$/m.exec(
        text,
      );
    expect(command?.[1]).toBe(out);
    expect(existsSync(command?.[2] ?? '')).toBe(true);
    expect(command?.[3]).toMatch(/\?$/);
    // The command answers (run here in-process).
    const predictIo = capture();
    expect(
      await runCli(
        ['predict', '--run', out, '--image', command![2], '--question', command![3], '--backend', 'wasm'],
        predictIo,
      ),
      predictIo.lines.join('\n'),
    ).toBe(0);
    expect(predictIo.lines.join('\n')).toContain("program (predicted by the run's program generator):");
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
