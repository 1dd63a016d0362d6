import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FeaturesH5Reader, readQuestionsH5 } from '../src/h5/index.js';
import { writeSampleQuestions } from './dataset-fixtures.js';
import { buildZip, miniClevrFiles, serveBytes, tinyPng } from './download-fixtures.js';
import { flagsOf, pkgDir, runDataCli, useTempDir } from './helpers/cli.js';

const tmp = useTempDir('cli');
const run = runDataCli;

describe('mmnet-data command line', () => {
  it('a bad flag exits with code 2 and one line (real process)', () => {
    const res = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'stats', '--no_such_flag'],
      {
        cwd: pkgDir,
        encoding: 'utf8',
      },
    );
    expect(res.status).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr.trim().split('\n')).toEqual([
      'mmnet-data stats: unknown flag --no_such_flag (see mmnet-data stats --help)',
    ]);
  });

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
      ['generate', '--num_images'],
      ['build-preset', '--preset'],
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

  it('extract-features --extractor builtin loads the built-in CNN weights (a missing file is named)', async () => {
    const images = join(tmp.path, 'one-image');
    await mkdir(images);
    await writeFile(join(images, 'CLEVR_val_000000.png'), tinyPng(8, 8, 1));
    const missing = join(tmp.path, 'no-weights.safetensors');
    const res = await run(
      'extract-features',
      ...flagsOf({
        input_image_dir: images,
        output_h5_file: join(tmp.path, 'builtin.h5'),
        extractor: 'builtin',
        model_path: missing,
        backend: 'cpu',
      }),
    );
    expect(res.code).toBe(1);
    expect(res.err.at(-1)).toContain(`mmnet-data extract-features: error: ${missing}`);
  });

  it('build-preset --model_path names a missing weights file before building anything', async () => {
    const missing = join(tmp.path, 'no-weights.safetensors');
    const out = join(tmp.path, 'preset-with-missing-weights');
    const res = await run(
      'build-preset',
      ...flagsOf({ preset: 'clevr-mini', output_dir: out, model_path: missing, backend: 'cpu' }),
    );
    expect(res.code).toBe(1);
    expect(res.err.at(-1)).toContain(`mmnet-data build-preset: error: ${missing}`);
    expect(existsSync(out)).toBe(false);
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

  it('generate writes a small synthetic split that preprocess-questions reads', async () => {
    const out = join(tmp.path, 'synthetic');
    // Two seeded 48x32 images of the val split; the second run finds them written.
    const generate = () =>
      run(
        'generate',
        ...['--output_dir', out, '--num_images', '2', '--split', 'val', '--seed', '5'],
        ...['--width', '48', '--height', '32', '--antialias', '0', '--shadows', '0', '--date', '2026-01-01'],
      );
    const gen = await generate();
    expect(gen.code, gen.err.join('\n')).toBe(0);
    expect(gen.out[0]).toMatch(/2 images, \d+ questions/);
    for (const f of [
      'images/val/CLEVR_val_000000.png',
      'images/val/CLEVR_val_000001.png',
      'scenes/CLEVR_val_scenes.json',
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const pre = await run(
      'preprocess-questions',
      ...flagsOf({
        input_questions_json: join(out, 'questions', 'CLEVR_val_questions.json'),
        output_h5_file: join(out, 'questions.h5'),
        output_vocab_json: join(out, 'vocab.json'),
      }),
    );
    expect(pre.code, pre.err.join('\n')).toBe(0);
    const again = await generate();
    expect(again.out[0]).toMatch(/2 images \(2 reused\)/);
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
