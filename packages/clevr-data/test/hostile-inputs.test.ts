import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateClevrSplit } from '../src/dataset/generate-split.js';
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

describe('generate reuses only PNGs made with the same settings', () => {
  const base = ['generate', '--num_images', '2', '--split', 'val', '--templates_per_image', '1'];
  const png = (out: string) => join(out, 'images', 'val', 'CLEVR_val_000000.png');

  it('renders again after a change of seed or size, and replaces a truncated PNG', async () => {
    const out = join(tmp.path, 'gen');
    const common = [...base, '--output_dir', out, '--date', '2024-01-01'];
    let res = await run(...common, '--seed', '1', '--width', '48', '--height', '32');
    expect(res.code).toBe(0);
    const first = await readFile(png(out));
    res = await run(...common, '--seed', '1', '--width', '48', '--height', '32');
    expect(res.out[0]).toMatch(/2 images \(2 reused\)/);

    res = await run(...common, '--seed', '2', '--width', '48', '--height', '32');
    expect(res.out[0]).not.toMatch(/reused/);
    expect((await readFile(png(out))).equals(first)).toBe(false);

    res = await run(...common, '--seed', '2', '--width', '40', '--height', '30');
    expect(res.out[0]).not.toMatch(/reused/);
    const image = decodePng(await readFile(png(out)));
    expect([image.width, image.height]).toEqual([40, 30]);

    await truncate(png(out), 100);
    const again = await generateClevrSplit({
      outputDir: out,
      split: 'val',
      numImages: 2,
      seed: 2,
      width: 40,
      height: 30,
      templatesPerImage: 1,
    });
    expect(again.imagesReused).toBe(1);
    expect((await stat(png(out))).size).toBeGreaterThan(100);
    expect(decodePng(await readFile(png(out))).width).toBe(40);
  });

  it('refuses an image size over --max_image_size, naming the flag', async () => {
    const res = await run(...base, '--output_dir', join(tmp.path, 'big'), '--width', '5000');
    expect(res.code).toBe(1);
    expect(res.err[0]).toMatch(
      /--width: the image width is 5000, over the limit of 4096 \(raise it with --max_image_size\)/,
    );
    const res2 = await run(
      'extract-features',
      ...flagsOf({ input_image_dir: tmp.path, output_h5_file: join(tmp.path, 'f.h5'), image_height: '9000' }),
    );
    expect(res2.code).toBe(2);
    expect(res2.err[0]).toMatch(
      /--image_height: 9000 is over the limit of 4096 \(raise it with --max_image_size\)/,
    );
  });
});

describe('numeric flags', () => {
  it('say what is wrong with 0, negatives and non-numbers (and accept "-5" as a value)', async () => {
    const out = join(tmp.path, 'num');
    const cases: [string[], string][] = [
      [['--num_images', '0'], '--num_images: must be at least 1'],
      [['--num_images', '1', '--width', '-5'], '--width: must be at least 1'],
      [['--num_images', '1', '--start_index', '-1'], '--start_index: must be 0 or more'],
      [['--num_images', 'many'], '--num_images: expected a number'],
      [['--num_images', '1.5'], '--num_images: expected a whole number'],
    ];
    for (const [flags, message] of cases) {
      const res = await run('generate', '--output_dir', out, ...flags);
      expect(res.code, flags.join(' ')).toBe(2);
      expect(res.err).toEqual([`mmnet-data generate: ${message} (see mmnet-data generate --help)`]);
    }
    const neg = await run(
      'generate',
      ...flagsOf({
        output_dir: out,
        num_images: '1',
        seed: '-3',
        render_images: '0',
        templates_per_image: '1',
      }),
    );
    expect(neg.code).toBe(0);
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
        ['generate', '--output_dir', join(blocker, 'out'), '--num_images', '1'],
        /plain-file\/out: --output_dir: cannot create or write the folder/,
      ],
      [['generate', '--output_dir', blocker, '--num_images', '1'], /plain-file: --output_dir: is a file/],
      [
        ['extract-features', '--input_image_dir', tmp.path, '--output_h5_file', join(blocker, 'f.h5')],
        /plain-file\/f\.h5: --output_h5_file: cannot create its folder/,
      ],
      [
        ['build-preset', '--preset', 'clevr-micro', '--output_dir', join(blocker, 'p')],
        /--output_dir: cannot create or write the folder/,
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
