import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClevrH5Dataset, epochOrder, preprocessQuestions, questionStats } from '../src/dataset/index.js';
import { loadH5wasm, readQuestionsH5 } from '../src/h5/index.js';
import { vocabFromJson } from '../src/vocab/index.js';
import { writeIndexFeatures, writeSampleQuestions } from './dataset-fixtures.js';

let dir: string;
let questionsH5: string;
let featuresH5: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dataset-'));
  await writeSampleQuestions(join(dir, 'questions.json'), 23, 6);
  questionsH5 = join(dir, 'questions.h5');
  featuresH5 = join(dir, 'features.h5');
  await preprocessQuestions({
    inputQuestionsJson: join(dir, 'questions.json'),
    outputH5File: questionsH5,
    outputVocabJson: join(dir, 'vocab.json'),
  });
  await writeIndexFeatures(featuresH5, 6, [4, 3, 2]);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('preprocessQuestions', () => {
  it('encodes questions, programs and answers as the reference does', async () => {
    const vocab = vocabFromJson(await readFile(join(dir, 'vocab.json'), 'utf8'));
    const q = await readQuestionsH5(questionsH5);
    expect(q.questions.rows).toBe(23);
    // "How many red cubes are there?" -> <START> How many red cubes are there <END>
    const row0 = Array.from(q.questions.data.subarray(0, q.questions.cols));
    const words = ['<START>', 'How', 'many', 'red', 'cubes', 'are', 'there', '<END>'];
    expect(row0.slice(0, 8)).toEqual(words.map((w) => vocab.question_token_to_idx[w]));
    expect(row0.slice(8).every((v) => v === 0)).toBe(true);
    // prefix program: count filter_shape[cube] filter_color[red] scene
    const p0 = Array.from(q.programs!.data.subarray(0, q.programs!.cols));
    const tokens = ['<START>', 'count', 'filter_shape[cube]', 'filter_color[red]', 'scene', '<END>'];
    expect(p0).toEqual(tokens.map((t) => vocab.program_token_to_idx[t]));
    expect(q.answers![0]).toBe(vocab.answer_token_to_idx['0']);
    expect(Array.from(q.imageIdxs.subarray(0, 8))).toEqual([0, 1, 2, 3, 4, 5, 0, 1]);
    expect(Array.from(q.questionFamilies!.subarray(0, 3))).toEqual([0, 1, 0]);
    expect(Array.from(q.origIdxs!.subarray(20))).toEqual([20, 21, 22]);
  });

  it("writes int32 arrays, as clevr-iep's script does; int64 on request", async () => {
    const dtypes = async (file: string) => {
      const h5 = await loadH5wasm();
      const f = new h5.File(file, 'r');
      try {
        return ['questions', 'programs', 'answers', 'image_idxs'].map(
          (name) => (f.get(name) as { dtype: string }).dtype,
        );
      } finally {
        f.close();
      }
    };
    expect(await dtypes(questionsH5)).toEqual(['<i', '<i', '<i', '<i']);
    const wide = join(dir, 'wide.h5');
    await preprocessQuestions({
      inputQuestionsJson: join(dir, 'questions.json'),
      inputVocabJson: join(dir, 'vocab.json'),
      outputH5File: wide,
      h5Dtype: 'int64',
    });
    expect(await dtypes(wide)).toEqual(['<q', '<q', '<q', '<q']);
  });

  it('postfix mode, an input vocab, unknown words (error or <UNK>) and expansion', async () => {
    const extra = join(dir, 'extra.json');
    await writeFile(
      extra,
      JSON.stringify({ questions: [{ question: 'Is there a purple cube?', image_index: 0, answer: 'yes' }] }),
    );
    const vocabPath = join(dir, 'vocab.json');
    await expect(
      preprocessQuestions({
        inputQuestionsJson: extra,
        inputVocabJson: vocabPath,
        outputH5File: join(dir, 'x.h5'),
      }),
    ).rejects.toThrow(/extra\.json: questions\[0\]\.question: token 'purple' is not in the vocabulary/);
    expect(existsSync(join(dir, 'x.h5'))).toBe(false);

    const unk = await preprocessQuestions({
      inputQuestionsJson: extra,
      inputVocabJson: vocabPath,
      outputH5File: join(dir, 'unk.h5'),
      encodeUnk: true,
    });
    expect(unk.hasPrograms).toBe(false);
    expect(Array.from((await readQuestionsH5(join(dir, 'unk.h5'))).questions.data)).toContain(3);

    const expanded = await preprocessQuestions({
      inputQuestionsJson: extra,
      inputVocabJson: vocabPath,
      expandVocab: true,
      outputH5File: join(dir, 'exp.h5'),
      outputVocabJson: join(dir, 'vocab-expanded.json'),
    });
    expect(expanded.newWords).toEqual(['purple']);
    const v2 = vocabFromJson(await readFile(join(dir, 'vocab-expanded.json'), 'utf8'));
    const v1 = vocabFromJson(await readFile(vocabPath, 'utf8'));
    expect(v2.question_token_to_idx.purple).toBe(Object.keys(v1.question_token_to_idx).length);

    const post = await preprocessQuestions({
      inputQuestionsJson: join(dir, 'questions.json'),
      inputVocabJson: vocabPath,
      outputH5File: join(dir, 'post.h5'),
      mode: 'postfix',
    });
    expect(post.programLength).toBe(6);
    const p = await readQuestionsH5(join(dir, 'post.h5'));
    const tokens = ['<START>', 'scene', 'filter_color[red]', 'filter_shape[cube]', 'count', '<END>'];
    expect(Array.from(p.programs!.data.subarray(0, 6))).toEqual(
      tokens.map((t) => v1.program_token_to_idx[t]),
    );
  });

  it('a truncated questions JSON is an error naming the file and writes nothing', async () => {
    const text = await readFile(join(dir, 'questions.json'), 'utf8');
    const cut = join(dir, 'cut.json');
    await writeFile(cut, text.slice(0, Math.floor(text.length * 0.6)));
    const sub = join(dir, 'cut-out');
    await expect(
      preprocessQuestions({
        inputQuestionsJson: cut,
        outputH5File: join(sub, 'q.h5'),
        outputVocabJson: join(sub, 'v.json'),
      }),
    ).rejects.toThrow(/cut\.json: invalid or truncated JSON after \d+ questions elements/);
    expect(existsSync(sub) ? await readdir(sub) : []).toEqual([]);
  });

  it('stats count answers per family', async () => {
    const s = await questionStats(join(dir, 'questions.json'));
    expect(s.questions).toBe(23);
    expect(s.images).toBe(6);
    expect(s.families['0'].questions).toBe(12);
    expect(s.families['1'].answers).toEqual({ yes: 4, no: 7 });
  });
});

describe('ClevrH5Dataset', () => {
  async function epochRows(ds: ClevrH5Dataset, epoch: number): Promise<number[][]> {
    const out: number[][] = [];
    for await (const b of ds.epoch(epoch)) out.push(Array.from(b.indices));
    return out;
  }

  it('serves deterministic shuffled batches for a seed, covering the epoch exactly once', async () => {
    const a = await ClevrH5Dataset.open({ questionsH5, featuresH5, batchSize: 5, seed: 11 });
    const b = await ClevrH5Dataset.open({ questionsH5, featuresH5, batchSize: 5, seed: 11, prefetch: false });
    const c = await ClevrH5Dataset.open({ questionsH5, featuresH5, batchSize: 5, seed: 12 });
    expect(a.numBatches).toBe(5);
    const e0 = await epochRows(a, 0);
    expect(e0.map((r) => r.length)).toEqual([5, 5, 5, 5, 3]);
    expect(e0.flat().sort((x, y) => x - y)).toEqual(Array.from({ length: 23 }, (_, i) => i));
    expect(await epochRows(b, 0)).toEqual(e0);
    expect(await epochRows(a, 1)).not.toEqual(e0);
    expect(await epochRows(a, 1)).toEqual(await epochRows(b, 1));
    expect(await epochRows(c, 0)).not.toEqual(e0);
    [a, b, c].forEach((d) => d.close());
    expect(Array.from(epochOrder(5, 1, 0, false))).toEqual([0, 1, 2, 3, 4]);
  });

  it('each batch holds the right rows: features (NHWC) of its images, questions, programs, answers', async () => {
    const q = await readQuestionsH5(questionsH5);
    const ds = await ClevrH5Dataset.open({ questionsH5, featuresH5, batchSize: 4, seed: 3, dropLast: true });
    let batches = 0;
    for await (const batch of ds.epoch(0)) {
      batches++;
      expect(batch.featureShape).toEqual([4, 3, 2, 4]);
      for (let i = 0; i < 4; i++) {
        const row = batch.indices[i];
        const img = q.imageIdxs[row];
        expect(batch.imageIdxs[i]).toBe(img);
        // NHWC: position (h=1, w=0), channel 2 -> stored NCHW offset 2*6 + 1*2 + 0 = 14
        expect(batch.features[i * 24 + (1 * 2 + 0) * 4 + 2]).toBeCloseTo(img + 14 / 1000, 5);
        expect(
          Array.from(batch.questions.subarray(i * batch.questionLength, (i + 1) * batch.questionLength)),
        ).toEqual(
          Array.from(q.questions.data.subarray(row * q.questions.cols, (row + 1) * q.questions.cols)),
        );
        expect(batch.programs![i * batch.programLength!]).toBe(q.programs!.data[row * q.programs!.cols]);
        expect(batch.answers![i]).toBe(q.answers![row]);
        expect(batch.questionFamilies![i]).toBe(q.questionFamilies![row]);
      }
    }
    expect(batches).toBe(5);
    ds.close();
    const nchw = await ClevrH5Dataset.open({
      questionsH5,
      featuresH5,
      batchSize: 2,
      layout: 'nchw',
      shuffle: false,
    });
    const first = await nchw.epoch(0).next();
    expect(first.value!.featureShape).toEqual([2, 4, 3, 2]);
    expect(first.value!.features[24 + 14]).toBeCloseTo(1 + 14 / 1000, 5);
    nchw.close();
  });

  it('refuses question files pointing at images the feature file lacks', async () => {
    const small = join(dir, 'small-features.h5');
    await writeIndexFeatures(small, 3, [1, 1, 1]);
    await expect(ClevrH5Dataset.open({ questionsH5, featuresH5: small, batchSize: 2 })).rejects.toThrow(
      /questions\.h5: image_idxs\[3\] = 3, but .*small-features\.h5 has features for 3 images/,
    );
  });
});
