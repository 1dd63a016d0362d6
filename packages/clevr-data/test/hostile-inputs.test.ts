import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { preprocessQuestions } from '../src/dataset/preprocess-questions.js';
import { downloadClevr } from '../src/download/download-clevr.js';
import { extractZip } from '../src/download/safe-unzip.js';
import { FeaturesH5Reader, FeaturesH5Writer } from '../src/h5/index.js';
import { decodePng } from '../src/io/png.js';
import { sampleQuestionsJson } from './dataset-fixtures.js';
import { buildZip, serveBytes } from './download-fixtures.js';
import { flagsOf, pkgDir, runDataCli, useTempDir } from './helpers/cli.js';

const tmp = useTempDir('hostile');
const run = runDataCli;

describe('download stays inside --target_dir', () => {
  it('refuses a URL whose file name decodes to a path, before writing anything', async () => {
    const base = join(tmp.path, 'dl', 'a', 'b');
    await mkdir(base, { recursive: true });
    const server = await serveBytes(Buffer.from('not a zip'));
    try {
      const res = await run(
        'download',
        ...flagsOf({ target_dir: base, url: `${server.url}/..%2F..%2Fescdir%2Fx.zip`, retries: '0' }),
      );
      expect(res.code).toBe(1);
      expect(res.err).toHaveLength(1);
      expect(res.err[0]).toMatch(/file name "\.\.\/\.\.\/escdir\/x\.zip" is not a plain file name/);
      expect(existsSync(join(tmp.path, 'dl', 'escdir'))).toBe(false);
      expect(readdirSync(base)).toEqual([]);
      expect(server.ranges).toEqual([]); // nothing was even requested
    } finally {
      await server.close();
    }
  });

  it('still names the archive after the URL when the name is plain', async () => {
    const target = join(tmp.path, 'dl-plain');
    const server = await serveBytes(Buffer.from('not a zip'));
    try {
      await expect(
        downloadClevr({
          targetDir: target,
          url: `${server.url}/archive%20v1.zip`,
          retries: 0,
          keepZip: true,
        }),
      ).rejects.toThrow(/cannot open as a zip archive/);
      expect(readdirSync(target)).toContain('archive v1.zip');
    } finally {
      await server.close();
    }
  });
});

describe('zip total-size limit', () => {
  it('refuses an archive whose entries extract to more than --max_archive_bytes, leaving nothing', async () => {
    const zipPath = join(tmp.path, 'bomb.zip');
    await writeFile(
      zipPath,
      await buildZip({
        'a.bin': Buffer.alloc(3000),
        'b.bin': Buffer.alloc(3000),
        'c.bin': Buffer.alloc(3000),
      }),
    );
    const target = join(tmp.path, 'bomb-out');
    await expect(extractZip(zipPath, target, { maxTotalBytes: 5000 })).rejects.toThrow(
      /entries up to "b\.bin" extract to 6000 bytes, over the limit of 5000 \(raise it with --max_archive_bytes\)/,
    );
    expect(readdirSync(target)).toEqual([]);
    const ok = await extractZip(zipPath, join(tmp.path, 'bomb-ok'), { maxTotalBytes: 9000 });
    expect(ok.bytes).toBe(9000);
  });
});

describe('extract-features flags', () => {
  it('refuses an image size over --max_image_size and a negative batch size, naming the flag', async () => {
    const big = await run(
      'extract-features',
      ...flagsOf({ input_image_dir: tmp.path, output_h5_file: join(tmp.path, 'f.h5'), image_height: '9000' }),
    );
    expect(big.code).toBe(2);
    expect(big.err[0]).toMatch(
      /--image_height: 9000 is over the limit of 4096 \(raise it with --max_image_size\)/,
    );
    const batch = await run(
      'extract-features',
      ...flagsOf({ input_image_dir: tmp.path, output_h5_file: join(tmp.path, 'x.h5'), batch_size: '-3' }),
    );
    expect(batch.err).toEqual([
      'mmnet-data extract-features: --batch_size: must be at least 1 (see mmnet-data extract-features --help)',
    ]);
  });
});

describe('preprocess-questions limits and output paths', () => {
  it('refuses a question over --max_question_length with its index, the limit and the flag', async () => {
    const data = JSON.parse(sampleQuestionsJson(4, 2));
    data.questions[2].question = `What ${'big '.repeat(10_000)}thing?`;
    const file = join(tmp.path, 'long.json');
    await writeFile(file, JSON.stringify(data));
    const h5 = join(tmp.path, 'long.h5');
    await expect(
      preprocessQuestions({
        inputQuestionsJson: file,
        outputH5File: h5,
        outputVocabJson: join(tmp.path, 'v.json'),
      }),
    ).rejects.toThrow(
      /long\.json: questions\[2\]\.question: the length in tokens is 10004, over the limit of 128 \(raise it with --max_question_length\)/,
    );
    expect(existsSync(h5)).toBe(false);
    const raised = await preprocessQuestions({
      inputQuestionsJson: file,
      outputH5File: h5,
      outputVocabJson: join(tmp.path, 'v.json'),
      maxQuestionLength: 20_000,
    });
    expect(raised.questionLength).toBe(10_004);
  });

  it('refuses a program over --max_program_length', async () => {
    const file = join(tmp.path, 'q.json');
    await writeFile(file, sampleQuestionsJson(4, 2));
    const res = await run(
      'preprocess-questions',
      ...flagsOf({
        input_questions_json: file,
        output_h5_file: join(tmp.path, 'p.h5'),
        output_vocab_json: join(tmp.path, 'pv.json'),
        max_program_length: '5',
      }),
    );
    expect(res.code).toBe(1);
    expect(res.err.at(-1)).toMatch(
      /questions\[0\]\.program: the length in tokens is 6, over the limit of 5 \(raise it with --max_program_length\)/,
    );
  });

  it('checks the vocab output path before writing the .h5', async () => {
    const file = join(tmp.path, 'q2.json');
    await writeFile(file, sampleQuestionsJson(4, 2));
    const blocker = join(tmp.path, 'a-file');
    await writeFile(blocker, 'x');
    const h5 = join(tmp.path, 'first.h5');
    const res = await run(
      'preprocess-questions',
      ...flagsOf({
        input_questions_json: file,
        output_h5_file: h5,
        output_vocab_json: join(blocker, 'vocab.json'),
      }),
    );
    expect(res.code).toBe(1);
    expect(res.err).toHaveLength(1);
    expect(res.err[0]).toMatch(/a-file\/vocab\.json: output_vocab_json: cannot create its folder/);
    expect(existsSync(h5)).toBe(false);
  });
});

describe('HDF5 failures', () => {
  it('print one line, without the native HDF5-DIAG trace (real process)', async () => {
    const h5 = join(tmp.path, 'damaged.h5');
    const ok = await run(
      'preprocess-questions',
      ...flagsOf({
        input_questions_json: join(tmp.path, 'q2.json'),
        output_h5_file: h5,
        output_vocab_json: join(tmp.path, 'dv.json'),
      }),
    );
    expect(ok.code).toBe(0);
    const bytes = await readFile(h5);
    bytes.fill(0xff, 600, 1400);
    await writeFile(h5, bytes);
    const res = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `import('./src/h5/questions-h5.ts').then((m) => m.readQuestionsH5(${JSON.stringify(h5)})).then(() => console.log('read'), (e) => console.log('error: ' + e.message.split('\\n')[0]))`,
      ],
      { cwd: pkgDir, encoding: 'utf8' },
    );
    expect(res.stdout).toMatch(/^error: .*damaged\.h5/);
    expect(res.stderr).not.toMatch(/HDF5-DIAG/);
  });
});

describe('features with NaN', () => {
  it('are refused when read, naming the file and the row', async () => {
    const path = join(tmp.path, 'nan_features.h5');
    const w = await FeaturesH5Writer.open(path, { rows: 3, rowShape: [2, 2, 2], resume: false });
    const data = new Float32Array(24).fill(0.5);
    data[8 + 5] = Number.NaN;
    w.append(data, 3);
    await w.finish();
    const reader = await FeaturesH5Reader.open(path);
    try {
      expect(reader.readRows([0]).length).toBe(8);
      expect(() => reader.readRows([2, 1])).toThrow(/nan_features\.h5: feature row 1 holds NaN/);
    } finally {
      reader.close();
    }
  });
});

describe('PNG text chunks', () => {
  it('round-trip and keep the PNG readable', async () => {
    const { encodePng, withPngText, readPngText } = await import('../src/io/png.js');
    const png = encodePng({ width: 2, height: 1, rgb: Uint8Array.from([1, 2, 3, 4, 5, 6]) });
    const tagged = withPngText(png, 'mmnet-render', '{"seed":1}');
    expect(readPngText(tagged, 'mmnet-render')).toBe('{"seed":1}');
    expect(readPngText(tagged, 'other')).toBeUndefined();
    expect(readPngText(png, 'mmnet-render')).toBeUndefined();
    expect(decodePng(tagged).rgb).toEqual(decodePng(png).rgb);
  });
});

describe('output paths of the data commands', () => {
  it('are checked before any work, one line naming the flag', async () => {
    const blocker = join(tmp.path, 'plain-file');
    await writeFile(blocker, 'x');
    const cases: [string[], RegExp][] = [
      [
        ['extract-features', '--input_image_dir', tmp.path, '--output_h5_file', join(blocker, 'f.h5')],
        /plain-file\/f\.h5: --output_h5_file: cannot create its folder/,
      ],
      [['download', '--target_dir', join(blocker, 'd')], /--target_dir: cannot create or write the folder/],
    ];
    for (const [argv, message] of cases) {
      const res = await run(...argv);
      expect(res.code, argv.join(' ')).toBe(1);
      expect(res.err.filter((l) => !l.startsWith('[mmnet]'))).toHaveLength(1);
      expect(res.err.at(-1)).toMatch(message);
    }
  });
});
