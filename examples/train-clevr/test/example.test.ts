import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { presetNames } from '@mmnet/clevr-synth';
import { runCli } from '@mmnet/trainer';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../../../test-support/cli-io.js';
import { runOutOfRange } from '../src/out-of-range.js';
import { runExample } from '../src/run-example.js';

describe('examples/train-clevr', () => {
  it('builds a micro preset, trains, evaluates and writes the report', async () => {
    const base = mkdtempSync(join(tmpdir(), 'mmnet-train-clevr-'));
    const out = join(base, 'run');
    const io2 = captureIo();
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
    const predictIo = captureIo();
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

    // The run on its val split and on a val set rendered outside the training ranges; a rerun skips both.
    const prefix = join(base, 'results', 'out-of-range');
    const oodArgs = [
      '--run',
      out,
      '--variants',
      'image-size',
      '--images',
      '2',
      '--data-dir',
      join(base, 'data'),
    ];
    const ood = captureIo();
    const oodCode = await runOutOfRange([...oodArgs, '--out', prefix, '--backend', 'wasm'], ood, {
      baseDir: base,
      repoRoot: base,
    });
    expect(oodCode, ood.lines.join('\n')).toBe(0);
    const results = JSON.parse(readFileSync(`${prefix}.json`, 'utf8'));
    expect(results.sets.map((s: { set: string }) => s.set)).toEqual(['val', 'image-size']);
    for (const s of results.sets) {
      expect(s.accuracy).toBeGreaterThanOrEqual(0);
      expect(s.accuracyGroundTruthPrograms).toBeLessThanOrEqual(1);
      expect(s.programExactMatch).toBeGreaterThanOrEqual(0);
    }
    expect(results.sets[1].images).toBe(2);
    expect(results.sets[1].questions + results.sets[1].dropped).toBe(20);
    expect(readFileSync(`${prefix}.md`, 'utf8')).toMatch(
      /^\| image-size \| 320x240 .* \| 2 \| \d+.* \| \*\*\d+\.\d\*\* \|/m,
    );
    const rerun = captureIo();
    expect(
      await runOutOfRange([...oodArgs, '--out', prefix, '--backend', 'wasm'], rerun, {
        baseDir: base,
        repoRoot: base,
      }),
    ).toBe(0);
    expect(rerun.lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^val: done before/),
        expect.stringMatching(/^image-size: done before/),
      ]),
    );
    expect(JSON.parse(readFileSync(`${prefix}.json`, 'utf8'))).toEqual(results);
  }, 600_000); // data, training, eval, predict and two out-of-range evaluations: 2.5 min on a quiet machine

  it('out-of-range: refuses a missing --run and an unknown variant with one line and exit code 2', async () => {
    const io = captureIo();
    expect(await runOutOfRange([], io, { baseDir: tmpdir(), repoRoot: tmpdir() })).toBe(2);
    expect(io.lines).toEqual(['out-of-range: --run: is required']);
    const bad = captureIo();
    expect(
      await runOutOfRange(['--run', 'x', '--variants', 'camera,fog'], bad, {
        baseDir: tmpdir(),
        repoRoot: tmpdir(),
      }),
    ).toBe(2);
    expect(bad.lines).toEqual([
      'out-of-range: --variants: must be a comma-separated list of camera, lighting, objects, image-size, look, all',
    ]);
  });

  it('refuses an unknown preset with one line and exit code 2', async () => {
    const io = captureIo();
    expect(await runExample(['--preset', 'huge'], io, { baseDir: tmpdir() })).toBe(2);
    expect(io.lines).toEqual([`train-clevr: --preset: must be one of ${presetNames().join(', ')}`]);
    expect(presetNames()).toEqual(expect.arrayContaining(['clevr-micro', 'clevr-mini']));
  });
});
