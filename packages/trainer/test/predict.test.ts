import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodePngFloat } from '@mmnet/clevr-data';
import { initBackend, tf } from '@mmnet/core-tensors';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate, questionFamilyName, runCli } from '../src/index.js';
import { escapeHtml } from '../src/report/escape.js';
import { testRegistry } from './fixtures/test-model.js';
import { buildTinyDataset } from './fixtures/tiny-dataset.js';
import { argvOf, captureIo, configuredRun, tempDir, withTrainer } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const CLEVR_IMAGE = join(here, 'fixtures', 'clevr', 'CLEVR_val_000013.png');
const GENERATOR = {
  encoderWordvecDim: 8,
  decoderWordvecDim: 8,
  hiddenDim: 16,
  numLayers: 1,
  maxProgramLength: 6,
};
const EXECUTOR = { classifier: { projDim: 16, hiddenDim: 32 } };

/** Small settings per model (PG and PG_memory with a program generator, as the main command trains them). */
const MODELS: Record<string, Record<string, unknown>> = {
  SAN: { wordEmbedDim: 8, attentionDim: 16, classifierHidden: 16, rnnLayers: 1 },
  PG: { ...EXECUTOR, programGenerator: GENERATOR },
  PG_memory: { ...EXECUTOR, programGenerator: GENERATOR },
  PG_endtoend: { executor: EXECUTOR, programGenerator: GENERATOR },
};

let data: string;
let image: string;
const runs: Record<string, string> = {};

async function train(model: string, modelConfig: Record<string, unknown>, iterations = 3): Promise<string> {
  const { config, out } = configuredRun(`predict-${model}`, modelConfig);
  const io = captureIo();
  const code = await runCli(
    [
      'train',
      ...['--model', model, '--clevr_dataset', data, '--config', config, '--stem-dim', '8'],
      ...['--batch_size', '6', '--max_iterations', String(iterations), '--num_iterations', '100'],
      ...['--out', out, '--backend', 'wasm', '--lr', '0.01'],
    ],
    io,
    testRegistry(),
  );
  expect(code, io.stderr.join('\n')).toBe(0);
  return out;
}

async function predict(args: string[]) {
  const io = captureIo();
  const code = await runCli(['predict', '--backend', 'wasm', ...args], io, testRegistry());
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', log: null });
  data = await buildTinyDataset(join(tempDir('predict-data'), 'tiny'), { trainImages: 6, valImages: 3 });
  image = join(data, 'images', 'val', 'CLEVR_val_000000.png');
  for (const [model, config] of Object.entries(MODELS)) runs[model] = await train(model, config);
}, 240_000);

describe('mmnet predict', () => {
  for (const model of Object.keys(MODELS)) {
    it(`${model} answers a question in words, with its top 5 and (models with programs) the predicted program`, async () => {
      const r = await predict(['--run', runs[model], '--image', image, '--question', 'How many red things?']);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/^answer: \S+$/m);
      const top = /^top 5: (.*)$/m.exec(r.out);
      expect(top?.[1].split(', ')).toHaveLength(5);
      const probabilities = top![1].split(', ').map((t) => Number(t.split(' ')[1]));
      expect(probabilities).toEqual([...probabilities].sort((a, b) => b - a));
      expect(r.out).toContain('unknown words: none');
      if (model === 'SAN') expect(r.out).toContain('program: none (SAN answers without a program)');
      else {
        expect(r.out).toContain("program (predicted by the run's program generator):");
        // The tree: the root alone on its line, then every other node under an input marker.
        const tree = r.out.split('\n').filter((l) => /^ {2}\S/.test(l) || /^\s+[└├]─ /.test(l));
        expect(tree.length).toBeGreaterThan(0);
      }
    });
  }

  it('--out writes one PNG per program step over the image and a page showing them in order', async () => {
    const out = join(tempDir('predict-steps'), 'steps');
    const r = await predict(
      argvOf({ run: runs.PG, image: CLEVR_IMAGE, question: 'How many red things?', out }),
    );
    expect(r.code, r.err).toBe(0);
    const treeNodes = r.out.split('\n').filter((l) => /^ {2}(\S|.*─ )/.test(l)).length;
    const pngs = readdirSync(out)
      .filter((f) => /^step-\d\d-.*\.png$/.test(f))
      .sort();
    expect(pngs).toHaveLength(treeNodes);
    // Steps run inputs first: the first is the scene leaf.
    expect(pngs[0]).toMatch(/^step-01-scene\.png$/);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    const shown = [...html.matchAll(/<img src="(step-[^"]+)"/g)].map((m) => m[1]);
    expect(shown).toEqual(pngs);
    // Each step image is the (480-wide) image with the map over it.
    const step = decodePngFloat(readFileSync(join(out, pngs[0])), pngs[0]);
    expect([step.width, step.height]).toEqual([480, 320]);
    const sanOut = join(tempDir('predict-san-steps'), 'steps');
    const san = await predict(
      argvOf({ run: runs.SAN, image, question: 'Is there a red thing?', out: sanOut }),
    );
    expect(san.code, san.err).toBe(0);
    expect(readdirSync(sanOut).filter((f) => /^step-\d\d-attention_hop/.test(f)).length).toBeGreaterThan(0);
  });

  it('--program overrides the generator of PG and PG_memory; a PG run without a generator needs it', async () => {
    const program = 'count filter_color[red] scene';
    for (const model of ['PG', 'PG_memory']) {
      const r = await predict(argvOf({ run: runs[model], image, question: 'How many red things?', program }));
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain(
        'program (given with --program):\n  count\n  └─ filter_color[red]\n     └─ scene',
      );
    }
    const e2e = await predict(
      argvOf({ run: runs.PG_endtoend, image, question: 'How many red things?', program }),
    );
    expect(e2e.code).toBe(2);
    expect(e2e.err).toContain('PG_endtoend executes the programs of its own generator');
    const bare = await train('PG', EXECUTOR, 1);
    const r = await predict(['--run', bare, '--image', image, '--question', 'How many red things?']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--program: this PG run has no program generator/);
  });

  it('reads unknown words as <UNK> with a warning, matches case, and refuses a question with no known word', async () => {
    const r = await predict(['--run', runs.PG, '--image', image, '--question', 'how many red blorps?']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('warning: not in the vocabulary, read as <UNK>: blorps');
    expect(r.out).toContain('unknown words: blorps');
    const none = await predict(['--run', runs.PG, '--image', image, '--question', 'Wie viele Dinge?']);
    expect(none.code).toBe(2);
    expect(none.err).toContain('no word of the question "Wie viele Dinge?" is in the vocabulary');
  });

  it('takes a real CLEVR render of another size; an unreadable image is an error naming the file', async () => {
    const r = await predict([
      '--run',
      runs.PG,
      '--image',
      CLEVR_IMAGE,
      '--question',
      'Is there a red thing?',
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`image: ${CLEVR_IMAGE} (480x320, stretched to 16x16 for the features)`);
    const missing = join(tempDir('predict-bad'), 'missing.png');
    const m = await predict(['--run', runs.PG, '--image', missing, '--question', 'Is there a red thing?']);
    expect(m.code).toBe(1);
    expect(m.err).toContain(`${missing}: cannot read`);
    const text = join(tempDir('predict-bad'), 'notes.jpg');
    writeFileSync(text, 'hello');
    const t = await predict(['--run', runs.PG, '--image', text, '--question', 'Is there a red thing?']);
    expect(t.code).toBe(1);
    expect(t.err).toContain(`${text}: not a PNG or JPEG image`);
  });
});

describe('a module network with a program generator', () => {
  it('keeps the number of tfjs tensors constant across training steps, validation and predictions', async () => {
    const options = { model: 'PG', clevr_dataset: data, batch_size: 6, stem_dim: 8, model_config: MODELS.PG };
    await withTrainer(options, (trainer) => {
      const validate = () =>
        evaluate(trainer.model, trainer.val, { batchSize: 6, vocab: trainer.vocab, sampleCount: 2, step: 0 });
      trainer.iteration();
      validate();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) trainer.iteration();
      validate();
      evaluate(trainer.model, trainer.val, {
        batchSize: 6,
        vocab: trainer.vocab,
        sampleCount: 0,
        step: 0,
        programs: 'given',
      });
      expect(tf.memory().numTensors).toBe(before);
    });
    const before = tf.memory().numTensors;
    const r = await predict(
      argvOf({ run: runs.PG, image, question: 'How many red things?', out: tempDir('predict-count') }),
    );
    expect(r.code, r.err).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('the training report of a model with programs', () => {
  it("shows each sample's program steps over the image, and names the rows of its family table", () => {
    const html = readFileSync(join(runs.PG, 'report.html'), 'utf8');
    expect(html).toMatch(/<figcaption>1\. [a-z_]+(\[[a-z]+\])?<\/figcaption>/);
    const family = /<table id="per-family">[\s\S]*?<\/table>/.exec(html)?.[0] ?? '';
    for (const f of [0, 1]) expect(family).toContain(escapeHtml(questionFamilyName(f)));
    expect(questionFamilyName(0)).toMatch(/^[a-z_]+ #\d+: \S/);
  });
});

describe('mmnet predict, batch mode', () => {
  /** A CLEVR-format questions file of `n` questions about the tiny val images. */
  function questionsFile(n: number): string {
    const words = ['Is there a red thing?', 'How many blue things?', 'Is there a green thing?'];
    const questions = Array.from({ length: n }, (_, i) => ({
      question_index: 1000 + i,
      image_filename: `CLEVR_val_00000${i % 3}.png`,
      question: i === 7 ? 'Wie viele?' : words[i % 3],
    }));
    const file = join(tempDir('predict-batch-q'), 'questions.json');
    writeFileSync(file, JSON.stringify({ info: {}, questions }));
    return file;
  }
  const batchArgs = (run: string, questions: string, output: string, batch = '4') => [
    ...['--run', run, '--questions_json', questions, '--image_dir', join(data, 'images', 'val')],
    ...['--output_json', output, '--batch_size', batch],
  ];
  const answersOf = (output: string) =>
    (JSON.parse(readFileSync(output, 'utf8')) as { answers: { index: number; question_index: number }[] })
      .answers;

  it('answers every question of the file in order; a question with no known word gets an error entry', async () => {
    const questions = questionsFile(10);
    const output = join(tempDir('predict-batch'), 'answers.json');
    const r = await predict(batchArgs(runs.PG, questions, output));
    expect(r.code, r.err).toBe(0);
    const answers = answersOf(output) as unknown as Record<string, unknown>[];
    expect(answers.map((a) => a.index)).toEqual([...Array(10).keys()]);
    expect(answers.map((a) => a.question_index)).toEqual(Array.from({ length: 10 }, (_, i) => 1000 + i));
    expect(answers[7].error).toMatch(/no word of the question/);
    for (const a of answers.filter((_, i) => i !== 7)) {
      expect(typeof a.answer).toBe('string');
      expect(typeof a.program).toBe('string');
    }
    expect(existsSync(`${output}.partial`)).toBe(false);
  });

  it('resumes after kill -9 with no answer lost or repeated, the same answers as an uninterrupted run', async () => {
    const run = runs.PG;
    const n = 60;
    const questions = questionsFile(n);
    const whole = join(tempDir('predict-whole'), 'answers.json');
    expect((await predict(batchArgs(run, questions, whole, '2'))).code).toBe(0);

    const output = join(tempDir('predict-killed'), 'answers.json');
    const partial = `${output}.partial`;
    // The child kills itself with SIGKILL after the header's fsync and 20 batches' (40 answers).
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(here, 'fixtures', 'cli-with-test-model.ts'),
        'predict',
        '--backend',
        'wasm',
        ...batchArgs(run, questions, output, '2'),
      ],
      { stdio: 'ignore', env: { ...process.env, MMNET_TEST_SIGKILL_AFTER_FSYNCS: '21' } },
    );
    const signal = await new Promise((r) => child.once('exit', (_code, sig) => r(sig)));
    expect(signal).toBe('SIGKILL');
    const atKill = readFileSync(partial, 'utf8').split('\n').length - 2;
    expect(atKill).toBe(40);
    expect(existsSync(output)).toBe(false);
    // A write cut in the middle of a line, as a kill can leave it.
    writeFileSync(partial, `${readFileSync(partial, 'utf8')}{"index":${atKill},"image_fil`);

    const resumed = await predict(batchArgs(run, questions, output, '2'));
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.err).toContain(`resuming: ${atKill} of ${n} questions already answered`);
    expect(answersOf(output)).toEqual(answersOf(whole));
  }, 300_000);

  it('creates a missing --output_json folder, and refuses an unusable one before predicting', async () => {
    const output = join(tempDir('predict-missing'), 'not', 'yet', 'answers.json');
    const r = await predict(batchArgs(runs.PG, questionsFile(3), output));
    expect(r.code, r.err).toBe(0);
    expect(answersOf(output).map((a) => a.index)).toEqual([0, 1, 2]);

    const blocker = join(tempDir('predict-blocked'), 'a-file');
    writeFileSync(blocker, 'not a folder');
    const blocked = await predict(batchArgs(runs.PG, questionsFile(3), join(blocker, 'answers.json')));
    expect(blocked.code).toBe(1);
    expect(blocked.err).toMatch(/--output_json: cannot create its folder/);
    expect(blocked.err).not.toContain('ENOENT: no such file');
  });

  it('refuses a partial file of other questions', async () => {
    const output = join(tempDir('predict-other'), 'answers.json');
    writeFileSync(`${output}.partial`, '{"header":{"questions_json":"elsewhere.json"}}\n');
    const r = await predict(batchArgs(runs.PG, questionsFile(3), output));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${output}.partial: left by a prediction of other questions, run or options`);
  });
});
