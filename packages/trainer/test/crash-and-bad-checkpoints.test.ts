import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend, loadCheckpoint } from '@mmnet/core-tensors';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { RunDirectory, runCli } from '../src/index.js';
import { Trainer } from '../src/training/trainer.js';
import { testRegistry } from './fixtures/test-model.js';
import { buildTinyDataset } from './fixtures/tiny-dataset.js';
import { argvOf, captureIo, tempDir } from './helpers.js';

/** One entry of a safetensors header (the `__metadata__` entry is never edited). */
type SafetensorsHeaderEntry = { dtype: string; shape: number[]; data_offsets: [number, number] };

let data: string;
beforeAll(async () => {
  await initBackend({ prefer: 'wasm', log: null });
  data = await buildTinyDataset(join(tempDir('crash-data'), 'tiny'));
});
afterEach(() => {
  vi.restoreAllMocks();
});

const args = (out: string, extra: string[] = []) => [
  'train',
  ...argvOf({
    model: 'TEST_BOW',
    clevr_dataset: data,
    batch_size: 8,
    lr: 0.05,
    seed: 3,
    max_iterations: 12,
    'max-epochs': 100,
    num_iterations: 2,
    backend: 'wasm',
    out,
  }),
  ...extra,
];

/** metrics.jsonl without the wall-clock field (the only one that differs between two runs). */
function metricsLines(out: string): string[] {
  return readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const { questions_per_second: _qps, ...rest } = JSON.parse(line);
      return JSON.stringify(rest);
    });
}

/** Runs the CLI; a failure is exit code 1 with its one-line message on stderr. */
async function runFailing(argv: string[]): Promise<string> {
  const io = captureIo();
  const code = await runCli(argv, io, testRegistry());
  expect(code, io.stderr.join('\n')).toBe(1);
  return io.stderr.join('\n');
}

const valSteps = (out: string) =>
  metricsLines(out)
    .map((l) => JSON.parse(l))
    .filter((r) => r.kind === 'val')
    .map((r) => r.step as number);

describe('a kill while --save_model is written', () => {
  it('loses no metrics line: the resumed run matches an uninterrupted one, and no temporary file stays', async () => {
    const straight = join(tempDir('straight'), 'run');
    expect(
      await runCli(
        args(straight, ['--save_model', join(straight, 'best.safetensors')]),
        captureIo(),
        testRegistry(),
      ),
    ).toBe(0);
    const records = metricsLines(straight).map((l) => JSON.parse(l));
    // The last step that was a new best after the first validation: the crash is simulated there.
    let best = Number.NEGATIVE_INFINITY;
    let crashStep = -1;
    for (const r of records.filter((x) => x.kind === 'val')) {
      if (r.accuracy > best) {
        if (best > Number.NEGATIVE_INFINITY) crashStep = r.step;
        best = r.accuracy;
      }
    }
    expect(crashStep, 'the fixture run improves after its first validation').toBeGreaterThan(2);

    const killed = join(tempDir('killed'), 'run');
    const saveModel = join(killed, 'best.safetensors');
    const original = Trainer.prototype.saveModel;
    vi.spyOn(Trainer.prototype, 'saveModel').mockImplementation(function (this: Trainer, path: string) {
      if (this.step === crashStep) {
        writeFileSync(join(killed, '.best.safetensors.4194311.deadbeef.tmp'), 'half a file');
        throw new Error('simulated SIGKILL during the --save_model write');
      }
      return original.call(this, path);
    });
    expect(await runFailing(args(killed, ['--save_model', saveModel]))).toMatch(/simulated SIGKILL/);
    vi.restoreAllMocks();
    expect(await runCli(['train', '--resume', killed], captureIo(), testRegistry())).toBe(0);

    expect(metricsLines(killed)).toEqual(metricsLines(straight));
    const manifest = new RunDirectory(killed).readManifest();
    const bestStep = loadCheckpoint(join(killed, manifest.best!)).metadata.step;
    expect(loadCheckpoint(saveModel).metadata.step).toBe(bestStep);
    expect(readdirSync(killed).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  }, 240_000);

  it('--resume of a finished run adds no duplicate val record', async () => {
    const out = join(tempDir('finished-twice'), 'run');
    const small = args(out).map((a) => (a === '12' ? '4' : a));
    expect(await runCli(small, captureIo(), testRegistry())).toBe(0);
    const before = metricsLines(out);
    for (let i = 0; i < 2; i++) {
      const io = captureIo();
      expect(await runCli(['train', '--resume', out, '--backend', 'wasm'], io, testRegistry())).toBe(0);
      expect(io.stdout[0]).toMatch(/^done: 4 iterations/);
    }
    expect(valSteps(out)).toEqual([2, 4]);
    expect(metricsLines(out)).toEqual(before);
  }, 120_000);

  it('a run started again after a kill before its first checkpoint does not keep the old lines', async () => {
    const out = join(tempDir('no-checkpoint'), 'run');
    const small = args(out).map((a) => (a === '12' ? '4' : a));
    vi.spyOn(RunDirectory.prototype, 'commit').mockImplementation(() => {
      throw new Error('simulated SIGKILL before the first checkpoint');
    });
    expect(await runFailing(small)).toMatch(/simulated/);
    vi.restoreAllMocks();
    expect(metricsLines(out).length).toBeGreaterThan(0);
    expect(await runCli(small, captureIo(), testRegistry())).toBe(0);
    expect(valSteps(out)).toEqual([2, 4]);
    expect(metricsLines(out).filter((l) => l.includes('"train"'))).toHaveLength(4);
  }, 120_000);
});

describe('damaged or hostile checkpoints and run folders', () => {
  let run: string;
  beforeAll(async () => {
    run = join(tempDir('bad-ckpt'), 'run');
    const small = args(run).map((a) => (a === '12' ? '4' : a));
    expect(await runCli(small, captureIo(), testRegistry())).toBe(0);
  }, 120_000);

  /** A copy of the run's best checkpoint with its bytes changed by `edit`. */
  function editedCheckpoint(
    name: string,
    edit: (header: Record<string, SafetensorsHeaderEntry>, data: Buffer) => void,
  ): string {
    const manifest = new RunDirectory(run).readManifest();
    const bytes = readFileSync(join(run, manifest.best!));
    const n = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
    const data = Buffer.from(bytes.subarray(8 + n));
    edit(header, data);
    let json = JSON.stringify(header);
    json = json.padEnd(n, ' ');
    expect(json.length).toBe(n);
    const out = join(tempDir('edited'), name);
    writeFileSync(out, Buffer.concat([bytes.subarray(0, 8), Buffer.from(json), data]));
    return out;
  }
  const firstWeight = (header: Record<string, SafetensorsHeaderEntry>) =>
    Object.keys(header).find((k) => k !== '__metadata__' && !k.startsWith('optim/'))!;

  it('refuses a weight stored as F32 bytes but labelled I32', async () => {
    let name = '';
    const file = editedCheckpoint('i32.safetensors', (header) => {
      name = firstWeight(header);
      header[name].dtype = 'I32';
    });
    const message = await runFailing(['eval', '--checkpoint', file, '--backend', 'wasm']);
    expect(message).toContain(`"${name}" is stored as I32, but it is a float32 weight`);
  });

  it('refuses NaN weights instead of evaluating to "loss NaN"', async () => {
    let name = '';
    const file = editedCheckpoint('nan.safetensors', (header, data) => {
      name = firstWeight(header);
      data.writeFloatLE(Number.NaN, header[name].data_offsets[0]);
    });
    const message = await runFailing(['eval', '--checkpoint', file, '--backend', 'wasm']);
    expect(message).toContain(`"${name}" holds NaN at index 0 (weights must be finite)`);
  });

  it("refuses a run.json whose checkpoint lies outside the run's checkpoints/ folder", () => {
    const copy = join(tempDir('evil-manifest'), 'run');
    const dir = new RunDirectory(copy);
    dir.ensure();
    writeFileSync(
      dir.manifestPath,
      JSON.stringify({ format: 'mmnet-run', version: 1, latest: '../../../etc/passwd', step: 4 }),
    );
    expect(() => dir.readManifest()).toThrow(
      /run\.json: latest: must name a \.safetensors file in the run's checkpoints\/ folder/,
    );
  });

  it('resume falls back to the previous checkpoint when the latest is damaged', async () => {
    const dir = new RunDirectory(run);
    const manifest = dir.readManifest();
    expect(manifest.previous).toBeDefined();
    const latest = join(run, manifest.latest);
    writeFileSync(latest, readFileSync(latest).subarray(0, 100));
    const resumed = join(tempDir('fallback'), 'copy');
    const io = captureIo();
    // Resuming the damaged run: it continues from the checkpoint before the damaged one, and finishes.
    expect(await runCli(['train', '--resume', run, '--backend', 'wasm'], io, testRegistry())).toBe(0);
    expect(io.stderr.join('\n')).toMatch(/truncated\?; resuming from the checkpoint before it/);
    expect(io.stderr.join('\n')).toMatch(/resumed at step 2/);
    expect(dir.readManifest().step).toBe(4);
    expect(loadCheckpoint(join(run, dir.readManifest().latest)).metadata.step).toBe(4);
    expect(valSteps(run)).toEqual([2, 4]);
    expect(existsSync(resumed)).toBe(false);
  }, 120_000);
});

describe('output paths are checked before the work', () => {
  it('an unwritable --save_model fails before training', async () => {
    const base = tempDir('unwritable');
    writeFileSync(join(base, 'a-file'), 'x');
    const out = join(base, 'run');
    const started = Date.now();
    const error = await runFailing(args(out, ['--save_model', join(base, 'a-file', 'best.safetensors')]));
    expect(String(error)).toMatch(/a-file\/best\.safetensors: --save_model: cannot create its folder/);
    expect(existsSync(join(out, 'metrics.jsonl'))).toBe(false);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('eval --json checks its folder first, and creates a missing one', async () => {
    const run = join(tempDir('eval-json'), 'run');
    const small = args(run).map((a) => (a === '12' ? '2' : a));
    expect(await runCli(small, captureIo(), testRegistry())).toBe(0);
    writeFileSync(join(run, 'a-file'), 'x');
    const bad = await runFailing([
      'eval',
      '--run',
      run,
      '--backend',
      'wasm',
      '--json',
      join(run, 'a-file', 'r.json'),
    ]);
    expect(String(bad)).toMatch(/a-file\/r\.json: --json: cannot create its folder/);
    const io = captureIo();
    const good = join(run, 'new', 'folder', 'r.json');
    expect(
      await runCli(['eval', '--run', run, '--backend', 'wasm', '--json', good], io, testRegistry()),
    ).toBe(0);
    expect(JSON.parse(readFileSync(good, 'utf8')).split).toBe('val');
  }, 120_000);
});

describe('training limits and progress', () => {
  it('--batch_size larger than the training set is an error, not a silent clamp', async () => {
    const out = join(tempDir('big-batch'), 'run');
    const error = await runFailing(args(out).map((a) => (a === '8' ? '100000' : a)));
    expect(String(error)).toMatch(
      /--batch_size 100000: larger than the \d+ training questions of .*train_questions\.h5/,
    );
  });

  it('the ETA counts the --max_minutes budget, not only the remaining iterations', async () => {
    const out = join(tempDir('eta'), 'run');
    const io = captureIo();
    const budgetSeconds = 3;
    const argv = args(out, ['--max_minutes', String(budgetSeconds / 60)]).map((a) =>
      a === '12' ? '100000' : a,
    );
    expect(await runCli(argv, io, testRegistry())).toBe(0);
    const etas = io.stderr
      .map((l) => /ETA ([\d:]+)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => m[1].split(':').reduce((total, part) => total * 60 + Number(part), 0));
    expect(etas.length).toBeGreaterThan(0);
    for (const eta of etas) expect(eta).toBeLessThanOrEqual(budgetSeconds);
    // Frequent validations skip some reports (their charts take time), but the last step gets one.
    const lastStep = io.stderr.map((l) => /stopping at step (\d+) of/.exec(l)?.[1]).find(Boolean);
    expect(lastStep).toBeDefined();
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toMatch(
      new RegExp(`<td id="steps">${lastStep} / \\d+</td>`),
    );
  }, 120_000);
});
