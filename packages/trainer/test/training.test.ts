import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend, loadCheckpoint, tf } from '@mmnet/core-tensors';
import { beforeAll, describe, expect, it } from 'vitest';
import { RunDirectory, readTfRecords, runCli } from '../src/index.js';
import { testRegistry } from './fixtures/test-model.js';
import { buildTinyDataset } from './fixtures/tiny-dataset.js';
import { argvOf, captureIo, metricsOf, tempDir, withTrainer } from './helpers.js';

let data: string;

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', log: null });
  data = await buildTinyDataset(join(tempDir('data'), 'tiny'));
});

const base = () =>
  argvOf({ model: 'TEST_BOW', clevr_dataset: data, batch_size: 8, lr: 0.01, backend: 'wasm' });

describe('mmnet train', () => {
  it('trains, validates, checkpoints and writes metrics, events and the report', async () => {
    const out = join(tempDir('run'), 'run');
    const io = captureIo();
    const code = await runCli(
      [
        'train',
        ...base(),
        '--max-epochs',
        '3',
        '--num_iterations',
        '10',
        '--out',
        out,
        '--clevr_val_images',
        join(data, 'images', 'val'),
      ],
      io,
      testRegistry(),
    );
    expect(io.stderr.filter((l) => l.includes('mmnet train:'))).toEqual([]);
    expect(code).toBe(0);
    const manifest = new RunDirectory(out).readManifest();
    expect(manifest.step).toBe(36); // 96 questions / 8 = 12 batches x 3 epochs
    expect(existsSync(join(out, manifest.latest))).toBe(true);
    const metrics = metricsOf(out);
    expect(metrics.filter((m) => m.kind === 'train')).toHaveLength(36);
    const val = metrics.filter((m) => m.kind === 'val');
    expect(val.map((m) => m.step)).toEqual([10, 20, 30, 36]);
    expect(val[0].prior).toBeGreaterThan(0.2);
    const events = readdirSync(join(out, 'tensorboard'));
    expect(events).toHaveLength(1);
    const records = readTfRecords(readFileSync(join(out, 'tensorboard', events[0])));
    expect(records.length).toBeGreaterThan(5);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('id="accuracy-plot"');
    expect(html).toContain('data:image/png;base64,');
    expect(io.stdout.some((l) => l.startsWith('report: '))).toBe(true);
    const ckpt = loadCheckpoint(join(out, manifest.latest));
    expect(Object.keys(ckpt.tensors).some((k) => k.startsWith('optim/executor/m/'))).toBe(true);
    expect(Object.keys(ckpt.tensors).some((k) => k.startsWith('optim/programGenerator/v/'))).toBe(true);
    expect(ckpt.metadata.step).toBe(36);

    // eval and predict on the trained run
    const evalIo = captureIo();
    expect(await runCli(['eval', '--run', out, '--backend', 'wasm'], evalIo, testRegistry())).toBe(0);
    expect(evalIo.stdout[0]).toMatch(/val accuracy \d\.\d{4} on 36 questions/);
    expect(evalIo.stdout.join('\n')).toContain('yes/no');
    // --split test reads test_*.h5: an error naming the file where there is none, else the same evaluation (here a
    // copy of val).
    const noTest = captureIo();
    expect(
      await runCli(['eval', '--run', out, '--split', 'test', '--backend', 'wasm'], noTest, testRegistry()),
    ).toBe(1);
    expect(noTest.stderr.join('\n')).toContain(join(data, 'test_questions.h5'));
    const withTest = join(tempDir('data'), 'with-test');
    mkdirSync(withTest);
    for (const [from, to] of [
      ['vocab.json', 'vocab.json'],
      ['val_questions.h5', 'test_questions.h5'],
      ['val_features.h5', 'test_features.h5'],
    ])
      copyFileSync(join(data, from), join(withTest, to));
    const testIo = captureIo();
    expect(
      await runCli(
        ['eval', '--run', out, '--split', 'test', '--clevr_dataset', withTest, '--backend', 'wasm'],
        testIo,
        testRegistry(),
      ),
    ).toBe(0);
    expect(testIo.stdout[0].replace(/.*: test accuracy/, '')).toBe(
      evalIo.stdout[0].replace(/.*: val accuracy/, ''),
    );
    const predictIo = captureIo();
    const image = join(data, 'images', 'val', 'CLEVR_val_000000.png');
    expect(
      await runCli(
        [
          'predict',
          '--run',
          out,
          '--image',
          image,
          '--question',
          'Is there a red thing?',
          '--program',
          'exist filter_color[red] scene',
        ],
        predictIo,
        testRegistry(),
      ),
    ).toBe(0);
    expect(predictIo.stdout.join('\n')).toMatch(/^answer: (yes|no|\d)$/m);
    expect(predictIo.stdout.join('\n')).toContain(
      'program (given with --program):\n  exist\n  └─ filter_color[red]\n     └─ scene',
    );
  });

  it('stops at --max_minutes, validating and checkpointing first', async () => {
    const out = join(tempDir('minutes'), 'run');
    const io = captureIo();
    expect(
      await runCli(
        ['train', ...base(), '--max_minutes', '0.0001', '--num_iterations', '1000', '--out', out],
        io,
        testRegistry(),
      ),
    ).toBe(0);
    expect(io.stdout[0]).toMatch(/^done: \d+ iterations \(time limit\)/);
    const manifest = new RunDirectory(out).readManifest();
    expect(manifest.step).toBeLessThan(120);
    expect(existsSync(join(out, manifest.latest))).toBe(true);
  });

  it("lets the process's timers run between iterations (a caller can record the time used while it trains)", async () => {
    const out = join(tempDir('timers'), 'run');
    const metricsFile = join(out, 'metrics.jsonl');
    // What a timer sees of the run: the number of train iterations logged so far, at each tick.
    const seen = new Set<number>();
    const timer = setInterval(() => {
      if (existsSync(metricsFile)) seen.add(readFileSync(metricsFile, 'utf8').split('\n').length - 1);
    }, 1);
    try {
      const code = await runCli(
        ['train', ...base(), '--max-epochs', '4', '--num_iterations', '1000', '--out', out],
        captureIo(),
        testRegistry(),
      );
      expect(code).toBe(0);
    } finally {
      clearInterval(timer);
    }
    // 48 iterations (96 questions / 8 x 4 epochs): the timer ran in the middle of training, not only before and after.
    expect([...seen].filter((n) => n > 0 && n < 48).length).toBeGreaterThanOrEqual(5);
  });

  it('keeps the number of tfjs tensors constant across training steps', async () => {
    await withTrainer(
      { model: 'TEST_BOW', clevr_dataset: data, batch_size: 8, batch_multiplier: 2 },
      (trainer) => {
        trainer.iteration();
        trainer.iteration();
        const before = tf.memory().numTensors;
        for (let i = 0; i < 5; i++) trainer.iteration();
        expect(tf.memory().numTensors).toBe(before);
      },
    );
  });

  it('stops on a NaN loss with a clear message and keeps the last good checkpoint', async () => {
    const dir = tempDir('nan');
    const configFile = join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ model_config: { nan_at_step: 7 }, num_iterations: 5 }));
    const out = join(dir, 'run');
    const io = captureIo();
    const code = await runCli(['train', ...base(), '--config', configFile, '--out', out], io, testRegistry());
    expect(code).toBe(1);
    const error = io.stderr.find((l) => l.startsWith('mmnet train:'))!;
    expect(error).toContain('loss is NaN at step 8');
    expect(error).toContain('step-0000005.safetensors');
    const manifest = new RunDirectory(out).readManifest();
    expect(manifest.step).toBe(5);
    const ckpt = loadCheckpoint(join(out, manifest.latest));
    expect(Object.values(ckpt.tensors).every((t) => t.data.every(Number.isFinite))).toBe(true);
  });

  it('refuses a corrupted checkpoint, naming the file', async () => {
    const out = join(tempDir('corrupt'), 'run');
    expect(
      await runCli(
        ['train', ...base(), '--max_iterations', '3', '--num_iterations', '3', '--out', out],
        captureIo(),
        testRegistry(),
      ),
    ).toBe(0);
    const manifest = new RunDirectory(out).readManifest();
    const file = join(out, manifest.latest);
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length - 100));
    const io = captureIo();
    expect(await runCli(['train', '--resume', out, '--max_iterations', '6'], io, testRegistry())).toBe(1);
    expect(io.stderr.join('\n')).toContain(file);
  });

  it('loads the PG or EE part of another checkpoint (--load_model_path / --load_model_mode)', async () => {
    const first = join(tempDir('load1'), 'run');
    const saved = join(tempDir('load-model'), 'best.safetensors');
    expect(
      await runCli(
        [
          'train',
          ...base(),
          '--max_iterations',
          '4',
          '--num_iterations',
          '4',
          '--out',
          first,
          '--save_model',
          saved,
        ],
        captureIo(),
        testRegistry(),
      ),
    ).toBe(0);
    const source = loadCheckpoint(saved);
    const options = {
      model: 'TEST_BOW',
      clevr_dataset: data,
      batch_size: 8,
      seed: 5,
      load_model_path: saved,
      load_model_mode: 'PG',
    };
    await withTrainer(options, (trainer) => {
      const words = trainer.model.store.get('programGenerator.words.table').dataSync();
      expect(Array.from(words)).toEqual(Array.from(source.tensors['programGenerator.words.table'].data));
      const key = trainer.model.store.get('executor.key.weight').dataSync();
      expect(Array.from(key)).not.toEqual(Array.from(source.tensors['executor.key.weight'].data));
    });
  });
});
