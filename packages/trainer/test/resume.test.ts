import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, loadCheckpoint } from '@mmnet/core-tensors';
import { beforeAll, describe, expect, it } from 'vitest';
import { RunDirectory, runCli } from '../src/index.js';
import { testRegistry } from './fixtures/test-model.js';
import { buildTinyDataset } from './fixtures/tiny-dataset.js';
import { argvOf, captureIo, metricsOf, tempDir } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, '..');
let data: string;

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', log: null });
  data = await buildTinyDataset(join(tempDir('resume-data'), 'tiny'));
});

const STEPS = 60;
const args = (out: string) => [
  'train',
  ...argvOf({
    model: 'TEST_BOW',
    clevr_dataset: data,
    batch_size: 8,
    batch_multiplier: 2,
    lr: 0.01,
    seed: 3,
    max_iterations: STEPS,
    'max-epochs': 100,
    num_iterations: 3,
    backend: 'wasm',
    out,
  }),
];

function manifestStep(out: string): number {
  try {
    return JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).step;
  } catch {
    return -1;
  }
}

describe('mmnet train --resume', () => {
  it('continues after SIGKILL to the same parameters as an uninterrupted run', async () => {
    const killed = join(tempDir('killed'), 'run');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(here, 'fixtures', 'cli-with-test-model.ts'), ...args(killed)],
      {
        cwd: packageDir,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Kill it once it has written a couple of checkpoints, at whatever point of its work it is.
    // Generous: a loaded machine takes minutes to start tsx and the backend.
    const deadline = Date.now() + 240_000;
    while (manifestStep(killed) < 9 && Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 15));
    }
    child.kill('SIGKILL');
    await exited;
    const stepAtKill = manifestStep(killed);
    expect(stepAtKill, stderr).toBeGreaterThanOrEqual(9);
    expect(stepAtKill).toBeLessThan(STEPS);
    // Leftovers of a checkpoint write cut by a kill: a temporary file and a partial file the manifest never named.
    const checkpoints = join(killed, 'checkpoints');
    writeFileSync(join(checkpoints, '.step-0000999.safetensors.1.1.tmp'), 'partial');
    writeFileSync(join(checkpoints, 'step-0000999.safetensors'), 'partial');

    const atKill = loadCheckpoint(join(killed, new RunDirectory(killed).readManifest().latest));
    const minutesAtKill = atKill.metadata.schedule_minutes as number;
    expect(minutesAtKill).toBeGreaterThan(0);
    const resumeIo = captureIo();
    expect(await runCli(['train', '--resume', killed], resumeIo, testRegistry())).toBe(0);
    expect(resumeIo.stderr.join('\n')).toMatch(/resumed at step \d+/);
    expect(existsSync(join(checkpoints, 'step-0000999.safetensors'))).toBe(false);

    const straight = join(tempDir('straight'), 'run');
    expect(await runCli(args(straight), captureIo(), testRegistry())).toBe(0);

    const a = loadCheckpoint(join(straight, new RunDirectory(straight).readManifest().latest));
    const b = loadCheckpoint(join(killed, new RunDirectory(killed).readManifest().latest));
    expect(b.metadata.step).toBe(STEPS);
    expect(Object.keys(b.tensors).sort()).toEqual(Object.keys(a.tensors).sort());
    for (const [name, t] of Object.entries(a.tensors)) {
      expect(Array.from(b.tensors[name].data), name).toEqual(Array.from(t.data));
    }
    expect(b.metadata.rng).toEqual(a.metadata.rng);
    // The time-based schedule's clock went on from the checkpoint's (it did not restart at 0).
    expect(b.metadata.schedule_minutes as number).toBeGreaterThan(minutesAtKill);
    // The resumed run's metrics have each step once.
    const steps = metricsOf(killed, 'train').map((m) => m.step);
    expect(steps).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
  }, 420_000);
  it('resumes a run that had already done its last iteration: validates, checkpoints, exits 0', async () => {
    const out = join(tempDir('finished'), 'run');
    const small = args(out).map((a) => (a === String(STEPS) ? '4' : a));
    expect(await runCli(small, captureIo(), testRegistry())).toBe(0);
    const io = captureIo();
    expect(await runCli(['train', '--resume', out, '--backend', 'wasm'], io, testRegistry())).toBe(0);
    expect(io.stdout[0]).toMatch(/^done: 4 iterations, val accuracy/);
    expect(new RunDirectory(out).readManifest().step).toBe(4);
  });
});
