import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodePng } from '@mmnet/clevr-data';
import { describe, expect, it } from 'vitest';
import { generateClevrSplit } from '../src/index.js';
import { flagsOf, pkgDir, runMmnetDataCli, useTempDir } from './helpers/cli.js';

const tmp = useTempDir('synth-cli');
const run = runMmnetDataCli;

/** A 8x8 PNG for extract-features. */
async function oneImageDir(name: string): Promise<string> {
  const dir = join(tmp.path, name);
  const out = join(tmp.path, `${name}-gen`);
  const res = await run(
    ...['generate', '--output_dir', out, '--num_images', '1', '--split', 'val', '--templates_per_image', '1'],
    ...['--width', '8', '--height', '8', '--antialias', '0', '--shadows', '0', '--date', '2026-01-01'],
  );
  expect(res.code, res.err.join('\n')).toBe(0);
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'CLEVR_val_000000.png'),
    await readFile(join(out, 'images', 'val', 'CLEVR_val_000000.png')),
  );
  return dir;
}

describe('the mmnet-data bin', () => {
  it('has every command, the official ones and the synthetic ones (real process)', () => {
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--help'], {
      cwd: pkgDir,
      encoding: 'utf8',
    });
    expect(res.status).toBe(0);
    const names = res.stdout.split('\n').flatMap((l) => /^ {2}(\S+)/.exec(l)?.[1] ?? []);
    expect(names).toEqual([
      'download',
      'preprocess-questions',
      'extract-features',
      'merge-features',
      'stats',
      'generate',
      'build-preset',
    ]);
  });

  it('a bad flag exits with code 2 and one line (real process)', () => {
    const res = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'generate', '--no_such_flag'],
      {
        cwd: pkgDir,
        encoding: 'utf8',
      },
    );
    expect(res.status).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr.trim().split('\n')).toEqual([
      'mmnet-data generate: unknown flag --no_such_flag (see mmnet-data generate --help)',
    ]);
  });

  it('--help of generate and build-preset lists their flags', async () => {
    for (const [cmd, flag] of [
      ['generate', '--num_images'],
      ['build-preset', '--preset'],
    ]) {
      const res = await run(cmd, '--help');
      expect(res.code).toBe(0);
      expect(res.out.join('\n')).toContain(flag);
    }
  });

  it('extract-features --extractor builtin uses the registered built-in CNN (a missing weights file is named)', async () => {
    const images = await oneImageDir('one-image');
    const missing = join(tmp.path, 'no-weights.safetensors');
    const flags = { input_image_dir: images, extractor: 'builtin', backend: 'cpu', batch_size: 1 };
    const bad = await run(
      'extract-features',
      ...flagsOf({ ...flags, output_h5_file: join(tmp.path, 'b.h5'), model_path: missing }),
    );
    expect(bad.code).toBe(1);
    expect(bad.err.at(-1)).toContain(`mmnet-data extract-features: error: ${missing}`);
    const good = await run(
      'extract-features',
      ...flagsOf({ ...flags, output_h5_file: join(tmp.path, 'builtin.h5') }),
    );
    expect(good.code, good.err.join('\n')).toBe(0);
    expect(good.out[0]).toMatch(/builtin\.h5: features \[1, 34, 14, 14\] from builtin-v1-/);
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
  });
});

describe('numeric flags', () => {
  it('say what is wrong with 0, negatives and non-numbers (and accept "-5" as a value)', async () => {
    const out = join(tmp.path, 'num');
    const cases: [string[], string][] = [
      [['--num_images', '0'], '--num_images: must be at least 1'],
      [['--num_images', '1', '--width', '-5'], '--width: must be at least 1'],
      [['--num_images', '1', '--start_index', '-1'], '--start_index: must be at least 0'],
      [['--num_images', 'many'], '--num_images: must be an integer'],
      [['--num_images', '1.5'], '--num_images: must be an integer'],
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
  });
});

describe('output paths of the synthetic commands', () => {
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
        ['build-preset', '--preset', 'clevr-micro', '--output_dir', join(blocker, 'p')],
        /--output_dir: cannot create or write the folder/,
      ],
    ];
    for (const [argv, message] of cases) {
      const res = await run(...argv);
      expect(res.code, argv.join(' ')).toBe(1);
      expect(res.err.filter((l) => !l.startsWith('[mmnet]'))).toHaveLength(1);
      expect(res.err.at(-1)).toMatch(message);
    }
  });
});
