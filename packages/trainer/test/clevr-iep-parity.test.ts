import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ClevrBatch, FeaturesH5Writer, writeQuestionsH5 } from '@mmnet/clevr-data';
import { createRng, initBackend, ParameterStore, tf } from '@mmnet/core-tensors';
import { Seq2SeqProgramGenerator } from '@mmnet/program-decoders';
import { loadTorchCheckpoint } from '@mmnet/torch-import';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  builtinModels,
  convertClevrIepCheckpoint,
  createModel,
  loadTrainedModel,
  resolveCheckpoint,
  runCli,
  trainConfigSchema,
} from '../src/index.js';
import { captureIo, tempDir } from './helpers.js';

/**
 * Parity with PyTorch: tiny clevr-iep-shaped models with random weights, saved by torch.save and run by PyTorch
 * in eval mode (scripts/make-clevr-iep-fixtures.py), converted here and run by mmnet on the same inputs.
 */
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'clevr-iep');

interface Expected {
  features_nhwc: number[];
  feature_shape: [number, number, number, number];
  questions: number[][];
  given_programs: number[][];
  given_logits: number[];
  predicted_programs: number[][];
  generator_logits: number[];
  generator_logits_shape: [number, number, number];
  predicted_logits: number[];
  num_answers: number;
}

const CASES = [
  {
    name: 'batchnorm',
    file: 'batchnorm.legacy.pt',
    what: 'legacy format, batch norm everywhere, residual modules',
  },
  {
    name: 'plain',
    file: 'plain.zip.pt',
    what: 'zip format, no batch norm, no residual, no projection',
  },
];

/** Largest |a - b| / max(1, |b|): logits agree to 1e-4 relative to their size. */
function maxRelativeError(actual: ArrayLike<number>, expected: number[]): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i])));
  }
  return worst;
}

function batchOf(e: Expected, programs?: number[][]): ClevrBatch {
  const n = e.feature_shape[0];
  return {
    indices: Int32Array.from({ length: n }, (_, i) => i),
    features: Float32Array.from(e.features_nhwc),
    featureShape: e.feature_shape,
    questions: Int32Array.from(e.questions.flat()),
    questionLength: e.questions[0].length,
    programs: programs ? Int32Array.from(programs.flat()) : undefined,
    programLength: programs?.[0].length,
    imageIdxs: Int32Array.from({ length: n }, (_, i) => i),
  };
}

function argMaxRows(values: ArrayLike<number>, cols: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < values.length / cols; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (values[r * cols + c] > values[r * cols + best]) best = c;
    out.push(best);
  }
  return out;
}

beforeAll(async () => {
  await initBackend({ prefer: 'cpu', log: null });
});

describe.each(CASES)('clevr-iep parity: $what', ({ name, file }) => {
  const path = join(FIXTURES, file);
  const expected = JSON.parse(readFileSync(join(FIXTURES, `${name}.expected.json`), 'utf8')) as Expected;
  const converted = convertClevrIepCheckpoint(loadTorchCheckpoint(readFileSync(path), path), path);
  const config = trainConfigSchema.parse(converted.config);
  const [n, h, w, c] = expected.feature_shape;

  it('greedy programs are identical to PyTorch and the generator logits within 1e-4', () => {
    const store = new ParameterStore(createRng(0));
    const pgConfig = (config.model_config as { programGenerator: object }).programGenerator;
    const generator = new Seq2SeqProgramGenerator(store.scope('programGenerator'), pgConfig, converted.vocab);
    const pgTensors = Object.fromEntries(
      Object.entries(converted.tensors).filter(([k]) => k.startsWith('programGenerator.')),
    );
    store.assign(pgTensors, { strict: true });
    const rows = expected.predicted_programs.map((r) => [1, ...r]);
    const logits = tf.tidy(() =>
      generator
        .teacherForcedLogits(
          tf.tensor2d(expected.questions.flat(), [n, expected.questions[0].length], 'int32'),
          tf.tensor2d(rows.flat(), [n, rows[0].length], 'int32'),
        )
        .dataSync(),
    );
    expect(maxRelativeError(logits, expected.generator_logits)).toBeLessThan(1e-4);
    generator.dispose();
    store.dispose();
  });

  it('the IEP model predicts the same programs and answer logits (within 1e-4) as PyTorch', async () => {
    const model = await createModel(config, converted.vocab, [h, w, c], builtinModels());
    model.store.assign(converted.tensors, { strict: true });
    const before = tf.memory().numTensors;
    const ctx = { training: false, trainMode: 'PG+EE' as const, rng: createRng(0), step: 0 };
    const { logits, programs } = tf.tidy(() => {
      const out = model.forward(batchOf(expected), ctx);
      return { logits: out.logits.dataSync(), programs: out.programs!.arraySync() as number[][] };
    });
    expect(programs.map((r) => r.slice(1))).toEqual(expected.predicted_programs);
    expect(maxRelativeError(logits, expected.predicted_logits)).toBeLessThan(1e-4);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it("the execution engine's logits on given programs of every arity, as clevr-iep reads id rows, within 1e-4", async () => {
    const model = await createModel(config, converted.vocab, [h, w, c], builtinModels());
    model.store.assign(converted.tensors, { strict: true });
    // The batch's own programs (clevr-iep's rows: extra <START>, <NULL> inside, too short, <END> and <UNK> read as
    // modules), in evaluation: batch norms normalise by their running averages, as in PyTorch's eval mode.
    const ctx = {
      training: false,
      trainMode: 'EE' as const,
      rng: createRng(0),
      step: 0,
      programs: 'given' as const,
    };
    const logits = tf.tidy(() =>
      model.forward(batchOf(expected, expected.given_programs), ctx).logits.dataSync(),
    );
    expect(maxRelativeError(logits, expected.given_logits)).toBeLessThan(1e-4);
    model.dispose();
  });
});

describe('mmnet convert --from clevr-iep', () => {
  const name = 'batchnorm';
  const expected = JSON.parse(readFileSync(join(FIXTURES, `${name}.expected.json`), 'utf8')) as Expected;

  it('writes a run that mmnet eval scores exactly as PyTorch answers', async () => {
    const out = join(tempDir('convert'), 'run');
    const io = captureIo();
    const code = await runCli(
      [
        'convert',
        '--from',
        'clevr-iep',
        join(FIXTURES, `${name}.legacy.pt`),
        '--out',
        out,
        '--backend',
        'cpu',
      ],
      io,
    );
    expect(io.stderr.filter((l) => !l.includes('backend'))).toEqual([]);
    expect(code).toBe(0);
    expect(io.stdout.join('\n')).toMatch(/converted .* model IEP/);
    // A dataset holding the fixture's questions and features, the answers being PyTorch's argmax.
    const data = tempDir('convert-data');
    const vocab = JSON.parse(readFileSync(join(out, 'vocab.json'), 'utf8'));
    writeFileSync(join(data, 'vocab.json'), JSON.stringify(vocab));
    const [n, h, w, c] = expected.feature_shape;
    const answers = argMaxRows(expected.predicted_logits, expected.num_answers);
    const matrix = (rows: number[][]) => ({
      data: Int32Array.from(rows.flat()),
      rows: rows.length,
      cols: rows[0].length,
    });
    await writeQuestionsH5(join(data, 'val_questions.h5'), {
      questions: matrix(expected.questions),
      programs: matrix(expected.given_programs),
      answers: Int32Array.from(answers),
      questionFamilies: new Int32Array(n),
      imageIdxs: Int32Array.from({ length: n }, (_, i) => i),
      origIdxs: Int32Array.from({ length: n }, (_, i) => i),
    });
    const nchw = new Float32Array(n * c * h * w);
    for (let i = 0; i < n; i++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          for (let k = 0; k < c; k++)
            nchw[((i * c + k) * h + y) * w + x] = expected.features_nhwc[((i * h + y) * w + x) * c + k];
    const writer = await FeaturesH5Writer.open(join(data, 'val_features.h5'), {
      rows: n,
      rowShape: [c, h, w],
    });
    writer.append(nchw, n);
    await writer.finish();
    const json = join(data, 'eval.json');
    const evalIo = captureIo();
    const evalCode = await runCli(
      ['eval', '--run', out, '--clevr_dataset', data, '--json', json, '--backend', 'cpu'],
      evalIo,
    );
    expect(evalIo.stderr.filter((l) => !l.includes('backend'))).toEqual([]);
    expect(evalCode).toBe(0);
    const result = JSON.parse(readFileSync(json, 'utf8'));
    expect(result.accuracy).toBe(1);
    expect(result.total ?? n).toBe(n);
    // The run reloads as eval and predict load it: the IEP model, every parameter in place.
    const { file, checkpoint } = resolveCheckpoint({ run: out });
    const { model, config } = await loadTrainedModel(file, checkpoint, vocab, [h, w, c], builtinModels());
    expect(config.model).toBe('IEP');
    model.dispose();
  });

  it('refuses a checkpoint without an execution engine, naming the key', async () => {
    const io = captureIo();
    const bad = join(tempDir('convert-bad'), 'bad.pt');
    // A zip-less, magic-less file: the one-line error says it is not a PyTorch checkpoint.
    writeFileSync(bad, 'not a checkpoint');
    expect(await runCli(['convert', '--from', 'clevr-iep', bad, '--out', join(tempDir('x'), 'r')], io)).toBe(
      1,
    );
    expect(io.stderr.at(-1)).toMatch(/bad\.pt: not a PyTorch checkpoint/);
    expect(() => convertClevrIepCheckpoint(new Map(), 'x.pt')).toThrow(/not a clevr-iep checkpoint/);
  });
});
