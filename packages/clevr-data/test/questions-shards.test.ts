import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadH5wasm, readQuestionsH5 } from '../src/h5/index.js';
import { runDataCli, useTempDir } from './helpers/cli.js';

/** CLEVR questions with programs, answers and families, of varied lengths (so shards differ in width). */
const QUESTIONS = join(import.meta.dirname, 'fixtures', 'semantics-questions.json');
const tmp = useTempDir('question-shards');
const run = runDataCli;

/** Every dataset of an HDF5 file as text: its metadata (shape, type, chunks) and the bytes of its values. */
async function datasets(file: string): Promise<string[]> {
  const h5 = await loadH5wasm();
  const f = new h5.File(file, 'r');
  try {
    return f.keys().flatMap((name) => {
      const ds = f.get(name) as InstanceType<typeof h5.Dataset>;
      const v = ds.value as Int32Array | BigInt64Array;
      return [
        `${name} ${JSON.stringify(ds.metadata)}`,
        `${name} ${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')}`,
      ];
    });
  } finally {
    f.close();
  }
}

const preprocess = (out: string, ...more: string[]) =>
  run('preprocess-questions', '--input_questions_json', QUESTIONS, '--output_h5_file', out, ...more);
const merge = (out: string, files: string[]) =>
  run('merge-features', '--input_h5_files', files.join(','), '--output_h5_file', out);

describe('preprocess-questions --shard i/n and merge-features', () => {
  it('4 shards merged equal the unsharded file, byte for byte in the datasets', async () => {
    const at = (name: string) => join(tmp.path, name);
    const whole = await preprocess(at('whole.h5'), '--output_vocab_json', at('vocab.json'));
    expect(whole.code, whole.err.join('\n')).toBe(0);
    const shards = [0, 1, 2, 3].map((i) => at(`part-${i}.h5`));
    for (const [i, file] of shards.entries()) {
      // Each shard builds the vocabulary from the whole file: the same one.
      const r = await preprocess(file, '--output_vocab_json', at(`vocab-${i}.json`), '--shard', `${i}/4`);
      expect(r.code, r.err.join('\n')).toBe(0);
      expect(r.out[0]).toMatch(new RegExp(`\\(shard ${i}/4: questions \\d+-\\d+ of \\d+\\)$`));
      expect(readFileSync(at(`vocab-${i}.json`), 'utf8')).toBe(readFileSync(at('vocab.json'), 'utf8'));
    }
    // A shard's rows are narrower than the whole file's: the merge pads them as one run would.
    const widths = await Promise.all(shards.map(async (s) => (await readQuestionsH5(s)).questions.cols));
    const wholeWidth = (await readQuestionsH5(at('whole.h5'))).questions.cols;
    expect(Math.min(...widths)).toBeLessThan(wholeWidth);
    const r = await merge(
      at('merged.h5'),
      [2, 0, 3, 1].map((i) => shards[i]),
    );
    expect(r.code, r.err.join('\n')).toBe(0);
    expect(r.out[0]).toMatch(/merged\.h5: \d+ questions \[\d+, \d+\], programs \[\d+, \d+\] from 4 shards$/);
    const expected = await datasets(at('whole.h5'));
    expect(new Set(expected.map((l) => l.split(' ')[0]))).toEqual(
      new Set(['questions', 'image_idxs', 'orig_idxs', 'programs', 'answers', 'question_families']),
    );
    expect(await datasets(at('merged.h5'))).toEqual(expected);

    // With a given vocabulary and int64 arrays too.
    const vocab = ['--input_vocab_json', at('vocab.json'), '--h5_dtype', 'int64'];
    expect((await preprocess(at('whole-64.h5'), ...vocab)).code).toBe(0);
    const parts = [0, 1].map((i) => at(`part64-${i}.h5`));
    for (const [i, file] of parts.entries())
      expect((await preprocess(file, ...vocab, '--shard', `${i}/2`)).code).toBe(0);
    expect((await merge(at('merged-64.h5'), parts)).code).toBe(0);
    expect(await datasets(at('merged-64.h5'))).toEqual(await datasets(at('whole-64.h5')));
  });

  it('refuses, in one line naming the file, what is not the n shards of one run', async () => {
    const at = (name: string) => join(tmp.path, name);
    for (const i of [0, 1])
      expect(
        (await preprocess(at(`r-${i}.h5`), '--output_vocab_json', at('v.json'), '--shard', `${i}/2`)).code,
      ).toBe(0);
    // Another questions file: the first 20 questions only.
    const fewer = at('fewer.json');
    const all = JSON.parse(readFileSync(QUESTIONS, 'utf8'));
    await writeFile(fewer, JSON.stringify({ ...all, questions: all.questions.slice(0, 20) }));
    const other = await run(
      ...['preprocess-questions', '--input_questions_json', fewer, '--output_h5_file', at('other-1.h5')],
      ...['--input_vocab_json', at('v.json'), '--shard', '1/2'],
    );
    expect(other.code, other.err.join('\n')).toBe(0);
    const postfix = await preprocess(
      at('postfix-1.h5'),
      '--input_vocab_json',
      at('v.json'),
      '--mode',
      'postfix',
      '--shard',
      '1/2',
    );
    expect(postfix.code).toBe(0);
    const oneLine = (r: { code: number; err: string[] }) => {
      expect(r.code).toBe(1);
      expect(r.err).toHaveLength(1);
      return r.err[0];
    };
    expect(oneLine(await merge(at('bad.h5'), [at('r-0.h5')]))).toBe(
      `mmnet-data merge-features: error: shard 1/2 missing: ${at('r-0.h5')} is 0/2`,
    );
    expect(oneLine(await merge(at('bad.h5'), [at('r-0.h5'), at('other-1.h5')]))).toContain(
      `${at('other-1.h5')}: all_rows is 20, but ${at('r-0.h5')} has`,
    );
    expect(oneLine(await merge(at('bad.h5'), [at('r-0.h5'), at('postfix-1.h5')]))).toContain(
      `${at('postfix-1.h5')}: mode is postfix, but ${at('r-0.h5')} has prefix: not shards of one preprocessing`,
    );
    expect((await preprocess(at('unsharded.h5'), '--input_vocab_json', at('v.json'))).code).toBe(0);
    expect(oneLine(await merge(at('bad.h5'), [at('unsharded.h5'), at('r-1.h5')]))).toContain(
      `${at('unsharded.h5')}: not a shard file (no meta_shard attribute: made without --shard)`,
    );
    const empty = await preprocess(at('x.h5'), '--input_vocab_json', at('v.json'), '--shard', '0/5000');
    expect(empty.code).toBe(1);
    expect(empty.err.at(-1)).toMatch(
      /shard 0\/5000 holds no questions: .*semantics-questions\.json has \d+ for 5000 shards/,
    );
  });
});
