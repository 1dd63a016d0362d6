import { copyFileSync, existsSync, readFileSync, renameSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@mmnet/core-tensors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractFeatures, mergeFeatureShards, rawPixelsExtractor } from '../src/features/index.js';
import { loadH5wasm } from '../src/h5/index.js';
import { parseShard, shardRange } from '../src/shards/index.js';
import { tinyPng } from './download-fixtures.js';
import { runDataCli } from './helpers/cli.js';

let dir: string;
let images: string;
const IMAGES = 11;
beforeAll(async () => {
  await initBackend({ prefer: 'cpu', log: null });
  dir = await mkdtemp(join(tmpdir(), 'shards-'));
  images = join(dir, 'images');
  await mkdir(images);
  for (let i = 0; i < IMAGES; i++)
    await writeFile(join(images, `CLEVR_val_${String(i).padStart(6, '0')}.png`), tinyPng(12, 8, i));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = runDataCli;

/**
 * Everything an HDF5 file holds, as text: each dataset's metadata (shape, maxshape, chunks, type), the bytes of
 * its values, and each attribute's name, type and value, in the order the file lists them.
 */
async function h5Contents(file: string): Promise<string[]> {
  const h5 = await loadH5wasm();
  const f = new h5.File(file, 'r');
  try {
    const lines: string[] = [];
    for (const name of f.keys()) {
      const ds = f.get(name) as InstanceType<typeof h5.Dataset>;
      const values = ds.value as Float32Array;
      lines.push(`${name} ${JSON.stringify(ds.metadata)}`);
      lines.push(
        `${name} values ${Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64')}`,
      );
      for (const attr of Object.keys(ds.attrs))
        lines.push(
          `${name}@${attr} ${JSON.stringify(ds.attrs[attr].metadata)} ${JSON.stringify(ds.get_attribute(attr, true))}`,
        );
    }
    return lines;
  } finally {
    f.close();
  }
}

const extractArgs = (output: string, ...more: string[]) => [
  'extract-features',
  ...['--input_image_dir', images, '--output_h5_file', output, '--extractor', 'raw', '--raw_grid', '4'],
  ...['--image_height', '8', '--image_width', '12', '--backend', 'cpu', ...more],
];

describe('sharded feature extraction', () => {
  it('parses i/n and splits N rows into n contiguous ranges covering each row once', () => {
    expect(parseShard('3/4')).toEqual({ index: 3, count: 4 });
    for (const bad of ['4/4', '-1/4', '1', '1/0', 'a/b', '1/4/2'])
      expect(() => parseShard(bad)).toThrow(/expected i\/n with 0 <= i < n/);
    for (const [total, count] of [
      [11, 4],
      [100_000, 7],
      [5, 5],
    ]) {
      const ranges = Array.from({ length: count }, (_, index) => shardRange(total, { index, count }));
      expect(ranges[0].start).toBe(0);
      expect(ranges[count - 1].end).toBe(total);
      for (let i = 1; i < count; i++) expect(ranges[i].start).toBe(ranges[i - 1].end);
    }
  });

  it('4 shards merged equal the unsharded file: every dataset value, its layout and every attribute', async () => {
    const whole = join(dir, 'whole.h5');
    expect((await run(...extractArgs(whole, '--batch_size', '3'))).code).toBe(0);
    const shards = [0, 1, 2, 3].map((i) => join(dir, `part-${i}.h5`));
    for (const [i, file] of shards.entries()) {
      const r = await run(...extractArgs(file, '--shard', `${i}/4`, '--batch_size', '2'));
      expect(r.code, r.err.join('\n')).toBe(0);
      expect(r.out[0]).toContain(`(shard ${i}/4)`);
    }
    const merged = join(dir, 'merged.h5');
    // Any order of the files; small copy steps.
    const r = await run(
      'merge-features',
      ...['--input_h5_files', [2, 0, 3, 1].map((i) => shards[i]).join(','), '--output_h5_file', merged],
      ...['--batch_size', '2'],
    );
    expect(r.code, r.err.join('\n')).toBe(0);
    expect(r.out).toEqual([`${merged}: features [${IMAGES}, 3, 4, 4] from 4 shards`]);
    const expected = await h5Contents(whole);
    expect(
      expected.some((l) => l.startsWith('features@meta_last_image') && l.includes('CLEVR_val_000010')),
    ).toBe(true);
    expect(await h5Contents(merged)).toEqual(expected);
    expect(existsSync(`${merged}.partial`)).toBe(false);
  });

  it('a shard and a merge resume after an interruption, with the same result', async () => {
    const whole = join(dir, 'whole-2.h5');
    await extractFeatures(
      { imageDir: images, outputH5: whole, imageHeight: 8, imageWidth: 12, batchSize: 4 },
      raw(),
    );
    const shardFiles: string[] = [];
    for (const index of [0, 1]) {
      const file = join(dir, `resumed-${index}.h5`);
      const config = { imageDir: images, outputH5: file, imageHeight: 8, imageWidth: 12, batchSize: 2 };
      const stop = new AbortController();
      await expect(
        extractFeatures({ ...config, shard: { index, count: 2 } }, raw(), {
          signal: stop.signal,
          onProgress: () => stop.abort(),
        }),
      ).rejects.toThrow(/aborted after 2 images/);
      const resumed = await extractFeatures({ ...config, shard: { index, count: 2 } }, raw());
      expect(resumed.resumedFrom).toBe(2);
      shardFiles.push(file);
    }
    const merged = join(dir, 'merged-2.h5');
    const stop = new AbortController();
    await expect(
      mergeFeatureShards(
        { inputs: shardFiles, outputH5: merged, batchRows: 3 },
        { signal: stop.signal, onProgress: (p) => p.done >= 3 && stop.abort() },
      ),
    ).rejects.toThrow(/aborted after 3 rows; run again to resume/);
    const resumed = await mergeFeatureShards({ inputs: shardFiles, outputH5: merged, batchRows: 3 });
    expect(resumed.resumedFrom).toBe(3);
    expect(await h5Contents(merged)).toEqual(await h5Contents(whole));
  });

  it('a partial file of another shard is not continued', async () => {
    const file = join(dir, 'other-shard.h5');
    const config = { imageDir: images, outputH5: file, imageHeight: 8, imageWidth: 12, batchSize: 1 };
    const stop = new AbortController();
    await expect(
      extractFeatures({ ...config, shard: { index: 0, count: 3 } }, raw(), {
        signal: stop.signal,
        onProgress: () => stop.abort(),
      }),
    ).rejects.toThrow(/aborted/);
    await expect(extractFeatures({ ...config, shard: { index: 1, count: 3 } }, raw())).rejects.toThrow(
      /other-shard\.h5\.partial: cannot resume: it was started for 3 rows, this run has 4/,
    );
  });

  describe('merge-features refuses what is not the n shards of one extraction, in one line naming the file', () => {
    const shard = (name: string, spec: string, ...more: string[]) =>
      run(...extractArgs(join(dir, name), '--shard', spec, ...more));
    const merge = (...files: string[]) =>
      run(
        'merge-features',
        '--input_h5_files',
        files.map((f) => join(dir, f)).join(','),
        '--output_h5_file',
        join(dir, 'bad-merge.h5'),
      );
    beforeAll(async () => {
      for (const i of [0, 1, 2]) expect((await shard(`e-${i}.h5`, `${i}/3`)).code).toBe(0);
      expect((await shard('e-1-of-2.h5', '1/2')).code).toBe(0);
      expect((await shard('e-2-grid.h5', '2/3', '--raw_grid', '2')).code).toBe(0);
      expect((await shard('e-2-fewer.h5', '2/3', '--max_images', '9')).code).toBe(0);
      expect((await run(...extractArgs(join(dir, 'unsharded.h5')))).code).toBe(0);
    });
    const oneLine = (r: { code: number; err: string[] }) => {
      expect(r.code).toBe(1);
      expect(r.err).toHaveLength(1);
      return r.err[0];
    };

    it('a missing shard', async () => {
      expect(oneLine(await merge('e-0.h5', 'e-2.h5'))).toBe(
        `mmnet-data merge-features: error: shard 1/3 missing: ${join(dir, 'e-0.h5')} is 0/3, ${join(dir, 'e-2.h5')} is 2/3`,
      );
    });
    it('a shard given twice (overlapping rows)', async () => {
      copyFileSync(join(dir, 'e-1.h5'), join(dir, 'e-1-copy.h5'));
      expect(oneLine(await merge('e-0.h5', 'e-1.h5', 'e-1-copy.h5', 'e-2.h5'))).toContain(
        `${join(dir, 'e-1-copy.h5')}: shard 1/3 overlaps ${join(dir, 'e-1.h5')}, which is shard 1/3 too`,
      );
    });
    it('shards of another n, another extractor setting or another image list', async () => {
      expect(oneLine(await merge('e-0.h5', 'e-1-of-2.h5'))).toContain(
        `${join(dir, 'e-1-of-2.h5')}: shard 1/2 does not match ${join(dir, 'e-0.h5')} (shard 0/3)`,
      );
      expect(oneLine(await merge('e-0.h5', 'e-1.h5', 'e-2-grid.h5'))).toMatch(
        new RegExp(
          `${join(dir, 'e-2-grid.h5')}: extractor is raw-2, but .*e-0\\.h5 has raw-4: not shards of one extraction`,
        ),
      );
      expect(oneLine(await merge('e-0.h5', 'e-1.h5', 'e-2-fewer.h5'))).toContain(
        `${join(dir, 'e-2-fewer.h5')}: all_rows is 9, but ${join(dir, 'e-0.h5')} has 11: not shards of one extraction`,
      );
    });
    it('a file made without --shard, an unfinished shard, a file that is not HDF5', async () => {
      expect(oneLine(await merge('e-0.h5', 'unsharded.h5'))).toContain(
        `${join(dir, 'unsharded.h5')}: not a shard file (no meta_shard attribute: made without --shard)`,
      );
      renameSync(join(dir, 'e-2.h5'), join(dir, 'e-2.h5.partial'));
      expect(oneLine(await merge('e-0.h5', 'e-1.h5', 'e-2.h5'))).toContain(
        `${join(dir, 'e-2.h5')}: no such shard file (${join(dir, 'e-2.h5.partial')} exists: that shard is unfinished`,
      );
      renameSync(join(dir, 'e-2.h5.partial'), join(dir, 'e-2.h5'));
      await writeFile(join(dir, 'junk.h5'), 'not hdf5');
      expect(oneLine(await merge('e-0.h5', 'junk.h5'))).toContain(
        `${join(dir, 'junk.h5')}: cannot open as HDF5`,
      );
      expect(existsSync(join(dir, 'bad-merge.h5'))).toBe(false);
    });
    it('a bad --shard, or a shard with no images', async () => {
      const bad = await run(...extractArgs(join(dir, 'x.h5'), '--shard', '4/4'));
      expect(bad.code).toBe(2);
      expect(bad.err).toEqual([
        'mmnet-data extract-features: --shard: expected i/n with 0 <= i < n (e.g. 0/4 to 3/4), got "4/4" (see mmnet-data extract-features --help)',
      ]);
      expect(oneLine(await run(...extractArgs(join(dir, 'x.h5'), '--shard', '0/12')))).toContain(
        `shard 0/12 holds no images: ${images} has 11 for 12 shards`,
      );
    });
  });
});

function raw() {
  return rawPixelsExtractor({ height: 8, width: 12 }, { grid: 4 });
}

// The test reads the files it compares; keep the helper honest about what it saw.
it('h5Contents sees a change of one value', async () => {
  const a = join(dir, 'one-value.h5');
  await extractFeatures({ imageDir: images, outputH5: a, imageHeight: 8, imageWidth: 12 }, raw());
  const before = await h5Contents(a);
  const h5 = await loadH5wasm();
  const f = new h5.File(a, 'a');
  (f.get('features') as InstanceType<typeof h5.Dataset>).write_slice(
    [[0, 1]],
    new Float32Array(48).fill(0.5),
  );
  f.close();
  expect(await h5Contents(a)).not.toEqual(before);
  expect(readFileSync(a).length).toBeGreaterThan(0);
});
