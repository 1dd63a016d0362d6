import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FeaturesH5Reader, readQuestionsH5 } from '../src/h5/index.js';
import { writeSampleQuestions } from './dataset-fixtures.js';
import { buildZip, miniClevrFiles, serveBytes, tinyPng } from './download-fixtures.js';
import { flagsOf, runDataCli, useTempDir } from './helpers/cli.js';

const tmp = useTempDir('cli');
const run = runDataCli;

describe('mmnet-data command line', () => {
  it('usage errors: unknown command, missing and invalid values -> exit 2, one line each', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['frobnicate'],
        /^mmnet-data: unknown command "frobnicate" \(commands: download, preprocess-questions/,
      ],
      [['stats'], /^mmnet-data stats: --input_questions_json: is required/],
      [['stats', 'extra'], /^mmnet-data stats: unexpected argument "extra"/],
      [
        ['preprocess-questions', '--input_questions_json', 'q.json', '--output_h5_file', 'q.h5'],
        /give --input_vocab_json or --output_vocab_json/,
      ],
      [
        [
          'preprocess-questions',
          '--input_questions_json',
          'q',
          '--output_h5_file',
          'o',
          '--output_vocab_json',
          'v',
          '--mode',
          'chain',
        ],
        /--mode: expected prefix or postfix/,
      ],
      [
        ['extract-features', '--input_image_dir', 'd', '--output_h5_file', 'o', '--batch_size', 'many'],
        /--batch_size: must be an integer/,
      ],
      [
        ['extract-features', '--input_image_dir', 'd', '--output_h5_file', 'o', '--extractor', 'tfjs-model'],
        /--model_path: the tfjs-model extractor needs --model_path/,
      ],
      [['download', '--target_dir', 'x', '--url', 'not a url'], /--url: expected a URL/],
      [['stats', '--input_questions_json'], /--input_questions_json: needs a value/],
    ];
    for (const [argv, pattern] of cases) {
      const res = await run(...argv);
      expect(res.code, argv.join(' ')).toBe(2);
      expect(res.err, argv.join(' ')).toHaveLength(1);
      expect(res.err[0]).toMatch(pattern);
    }
  });

  it('--help of every command lists its flags and exits 0', async () => {
    const top = await run('--help');
    expect(top.code).toBe(0);
    expect(top.out[0]).toMatch(/^usage: mmnet-data <command>/);
    for (const [cmd, flag] of [
      ['download', '--target_dir'],
      ['preprocess-questions', '--encode_unk'],
      ['extract-features', '--output_node'],
      ['stats', '--json'],
      ['merge-features', '--input_h5_files FILES'],
    ]) {
      const res = await run(cmd, '--help');
      expect(res.code).toBe(0);
      expect(res.out.join('\n')).toContain(flag);
    }
    const download = (await run('download', '--help')).out.join('\n');
    expect(download).toMatch(/--target_dir VALUE +folder receiving CLEVR_v1\.0\/ \(required\)/);
    expect(download).toMatch(/--retries N +automatic resumes after a dropped connection \(default: 3\)/);
    expect(download).toMatch(/--keep_zip +keep the zip after extraction \(default: false\)/);
  });

  it('a failing input file exits 1 with one line naming it', async () => {
    const bad = join(tmp.path, 'broken.json');
    await writeFile(bad, '{"questions": [{"question": "a?", "image_index": 0}, {"question": ');
    const res = await run('stats', '--input_questions_json', bad);
    expect(res.code).toBe(1);
    expect(res.err).toHaveLength(1);
    expect(res.err[0]).toMatch(
      /^mmnet-data stats: error: .*broken\.json: invalid or truncated JSON after 1 questions/,
    );
  });

  it('extract-features --extractor builtin or tfjs-model needs the extractor registered (this package has none)', async () => {
    const images = join(tmp.path, 'one-image');
    await mkdir(images);
    await writeFile(join(images, 'CLEVR_val_000000.png'), tinyPng(8, 8, 1));
    for (const extractor of ['builtin', 'tfjs-model']) {
      const res = await run(
        'extract-features',
        ...flagsOf({
          input_image_dir: images,
          output_h5_file: join(tmp.path, `${extractor}.h5`),
          extractor,
          model_path: join(tmp.path, 'model.json'),
          backend: 'cpu',
        }),
      );
      expect(res.code).toBe(1);
      expect(res.err.at(-1)).toBe(
        `mmnet-data extract-features: error: no feature extractor registered as "${extractor}" (registered: none)`,
      );
    }
  });

  it('preprocess-questions, stats and extract-features end to end', async () => {
    const qjson = join(tmp.path, 'q.json');
    await writeSampleQuestions(qjson, 10, 4);
    const h5 = join(tmp.path, 'out', 'questions.h5');
    const pre = await run(
      'preprocess-questions',
      ...flagsOf({
        input_questions_json: qjson,
        output_h5_file: h5,
        output_vocab_json: join(tmp.path, 'out', 'vocab.json'),
        mode: 'postfix',
        h5_dtype: 'int32',
      }),
    );
    expect(pre.code, pre.err.join('\n')).toBe(0);
    expect(pre.out[0]).toMatch(/questions\.h5: 10 questions \[10, \d+\], programs \[10, 6\], answers/);
    expect((await readQuestionsH5(h5)).questions.rows).toBe(10);

    const stats = await run('stats', '--input_questions_json', qjson, '--json');
    expect(stats.code).toBe(0);
    expect(JSON.parse(stats.out[0])).toMatchObject({ questions: 10, images: 4 });

    const images = join(tmp.path, 'images');
    await mkdir(images);
    for (let i = 0; i < 4; i++) await writeFile(join(images, `CLEVR_val_00000${i}.png`), tinyPng(10, 10, i));
    const feats = join(tmp.path, 'out', 'features.h5');
    const ex = await run(
      'extract-features',
      ...flagsOf({
        input_image_dir: images,
        output_h5_file: feats,
        image_height: '28',
        image_width: '28',
        raw_grid: '14',
        raw_position_channels: '1',
        batch_size: '3',
        max_images: '3',
        backend: 'cpu',
      }),
    );
    expect(ex.code, ex.err.join('\n')).toBe(0);
    expect(ex.out[0]).toMatch(/features\.h5: features \[3, 5, 14, 14\] from raw-14-pos/);
    const r = await FeaturesH5Reader.open(feats);
    expect(r.shape).toEqual([3, 5, 14, 14]);
    r.close();
  });

  it('download against a local server', async () => {
    const server = await serveBytes(await buildZip(miniClevrFiles()));
    try {
      const target = join(tmp.path, 'clevr');
      const res = await run('download', '--target_dir', target, '--url', server.url);
      expect(res.code, res.err.join('\n')).toBe(0);
      expect(res.out[0]).toMatch(/CLEVR_v1\.0: downloaded \d+ bytes; images train 2, val 2, test 2/);
      expect(existsSync(join(target, 'CLEVR_v1.0', 'questions', 'CLEVR_val_questions.json'))).toBe(true);
    } finally {
      await server.close();
    }
  });
});
