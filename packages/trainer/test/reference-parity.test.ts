import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClevrBatch } from '@mmnet/clevr-data';
import { createRng, initBackend, tf } from '@mmnet/core-tensors';
import { loadTorchCheckpoint } from '@mmnet/torch-import';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  builtinModels,
  convertReferenceStateDict,
  createModel,
  loadTrainedModel,
  referenceModelKind,
  resolveCheckpoint,
  runCli,
  trainConfigSchema,
} from '../src/index.js';
import { captureIo, tempDir } from './helpers.js';

/**
 * Parity with PyTorch for the reference project's PG, PG_memory and SAN state dicts: tiny models shaped as the
 * reference's, random weights, saved and run by PyTorch (scripts/make-reference-fixtures.py), converted and run here.
 */
const DIR = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'reference');
const FILE = join(DIR, 'pg.model');
/** What the script saved beside each state dict: the inputs (programs or questions) and PyTorch's logits. */
interface Fixture {
  vocab: {
    question_token_to_idx: Record<string, number>;
    program_token_to_idx: Record<string, number>;
    answer_token_to_idx: Record<string, number>;
  };
  features_nhwc: number[];
  feature_shape: [number, number, number, number];
  programs?: number[][];
  questions?: number[][];
  logits: number[];
}
const fixture = (name: string) =>
  JSON.parse(readFileSync(join(DIR, `${name}.expected.json`), 'utf8')) as Fixture;
const expected = fixture('pg');

beforeAll(async () => {
  await initBackend({ prefer: 'cpu', log: null });
});

/**
 * Converts the fixture `name`'s state dict, runs it on the fixture's features and programs or questions, and
 * returns the model kind and the worst difference from PyTorch's logits (relative above 1, absolute below).
 */
async function parity(name: string) {
  const file = join(DIR, `${name}.model`);
  const fx = fixture(name);
  const converted = convertReferenceStateDict(loadTorchCheckpoint(readFileSync(file), file), fx.vocab, file);
  const config = trainConfigSchema.parse(converted.config);
  const [n, h, w, c] = fx.feature_shape;
  const model = await createModel(config, fx.vocab, [h, w, c], builtinModels());
  model.store.assign(converted.tensors, { strict: true });
  const questions = fx.questions ?? Array.from({ length: n }, () => [1, 2]);
  const batch: ClevrBatch = {
    indices: Int32Array.from({ length: n }, (_, i) => i),
    features: Float32Array.from(fx.features_nhwc),
    featureShape: fx.feature_shape,
    questions: Int32Array.from(questions.flat()),
    questionLength: questions[0].length,
    ...(fx.programs && {
      programs: Int32Array.from(fx.programs.flat()),
      programLength: fx.programs[0].length,
    }),
    imageIdxs: Int32Array.from({ length: n }, (_, i) => i),
  };
  const ctx = { training: false, trainMode: 'PG+EE' as const, rng: createRng(0), step: 0 };
  const logits = tf.tidy(() => model.forward(batch, ctx).logits.dataSync());
  let worst = 0;
  fx.logits.forEach((v, i) => {
    worst = Math.max(worst, Math.abs(logits[i] - v) / Math.max(1, Math.abs(v)));
  });
  model.dispose();
  return { model: config.model, worst };
}

describe('convert --from reference (PG, PG_memory, SAN)', () => {
  it("gives PyTorch's logits within 1e-4, scene's block included", async () => {
    const { model, worst } = await parity('pg');
    expect(model).toBe('PG');
    expect(worst).toBeLessThan(1e-4);
  });

  it("converts the reference's PG_memory (two memory banks read by address): logits within 1e-4", async () => {
    const { model, worst } = await parity('pg_memory');
    expect(model).toBe('PG_memory');
    expect(worst).toBeLessThan(1e-4);
    // A vocabulary with one more unary function than the memory has rows: the key and both shapes.
    const file = join(DIR, 'pg_memory.model');
    const vocab = {
      ...expected.vocab,
      program_token_to_idx: { ...expected.vocab.program_token_to_idx, 'relate[left]': 11 },
    };
    const state = loadTorchCheckpoint(readFileSync(file), file);
    expect(() => convertReferenceStateDict(state, vocab, 'pg_memory.model')).toThrow(
      "pg_memory.model: 'memory.unary' has shape [4,288], expected [5,288]",
    );
  });

  it('writes PG and PG_memory runs with the vocab given, which load as eval and predict load them', async () => {
    const data = tempDir('reference-vocab');
    const vocabFile = join(data, 'vocab.json');
    writeFileSync(vocabFile, JSON.stringify(expected.vocab));
    for (const [name, kind] of [
      ['pg', 'PG'],
      ['pg_memory', 'PG_memory'],
    ]) {
      const out = join(tempDir(`reference-${name}`), 'run');
      const io = captureIo();
      const code = await runCli(
        ['convert', '--from', 'reference', join(DIR, `${name}.model`), '--vocab', vocabFile, '--out', out],
        io,
      );
      expect(io.stderr.filter((l) => !l.includes('backend'))).toEqual([]);
      expect(code).toBe(0);
      expect(io.stdout.join('\n')).toContain(`model ${kind};`);
      const { file, checkpoint } = resolveCheckpoint({ run: out });
      const [, h, w, c] = expected.feature_shape;
      const { model, config } = await loadTrainedModel(
        file,
        checkpoint,
        expected.vocab,
        [h, w, c],
        builtinModels(),
      );
      expect(config.model).toBe(kind);
      // PG runs a learned block for `scene`, as the reference's PG does; PG_memory's `scene` is the features.
      expect((config.model_config as { sceneBlock?: boolean }).sceneBlock ?? false).toBe(kind === 'PG');
      model.dispose();
    }
  });

  it("converts the reference's SAN: logits within 1e-4 of PyTorch's", async () => {
    const { model, worst } = await parity('san');
    expect(model).toBe('SAN');
    expect(worst).toBeLessThan(1e-4);
  });

  it('names the kind of a state dict, and a missing key', () => {
    expect(referenceModelKind(['memory.unary', 'stem.0.weight'])).toBe('PG_memory');
    expect(referenceModelKind(['stem.0.weight'])).toBeNull();
    expect(referenceModelKind(['attention.Wv.weight'])).toBe('SAN');
    const state = loadTorchCheckpoint(readFileSync(FILE), FILE) as Map<string, unknown>;
    const vocab = {
      ...expected.vocab,
      program_token_to_idx: { ...expected.vocab.program_token_to_idx, 'relate[left]': 11 },
    };
    expect(() => convertReferenceStateDict(state, vocab, 'pg.model')).toThrow(
      "pg.model: missing key 'relate[left].c1.weight' (expected shape [4,4,3,3])",
    );
  });
});
