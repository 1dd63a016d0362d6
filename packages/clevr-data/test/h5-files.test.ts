import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FeaturesH5Reader,
  FeaturesH5Writer,
  loadH5wasm,
  nchwToNhwc,
  nhwcToNchw,
  partialPathFor,
  type QuestionArrays,
  readQuestionsH5,
  toBigInt64Array,
  toInt32Array,
  writeQuestionsH5,
} from '../src/h5/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'h5-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sampleArrays(n: number): QuestionArrays {
  const lq = 7;
  const lp = 5;
  return {
    questions: { data: Int32Array.from({ length: n * lq }, (_, i) => (i * 7) % 93), rows: n, cols: lq },
    imageIdxs: Int32Array.from({ length: n }, (_, i) => Math.floor(i / 3)),
    origIdxs: Int32Array.from({ length: n }, (_, i) => i),
    programs: { data: Int32Array.from({ length: n * lp }, (_, i) => (i * 5) % 41), rows: n, cols: lp },
    answers: Int32Array.from({ length: n }, (_, i) => 4 + (i % 28)),
    questionFamilies: Int32Array.from({ length: n }, (_, i) => i % 90),
  };
}

describe('question HDF5 files', () => {
  it('round-trips every array, stored as int64 by default', async () => {
    const path = join(dir, 'q64.h5');
    const arrays = sampleArrays(10);
    await writeQuestionsH5(path, arrays);
    const back = await readQuestionsH5(path);
    expect(back).toEqual(arrays);
    const h5 = await loadH5wasm();
    const f = new h5.File(path, 'r');
    for (const name of ['questions', 'image_idxs', 'orig_idxs', 'programs', 'answers', 'question_families']) {
      const ds = f.get(name) as InstanceType<typeof h5.Dataset>;
      expect(ds.dtype, name).toBe('<q');
      expect(ds.value, name).toBeInstanceOf(BigInt64Array);
    }
    expect((f.get('questions') as InstanceType<typeof h5.Dataset>).shape).toEqual([10, 7]);
    f.close();
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('round-trips int32 files and files without programs/answers', async () => {
    const path = join(dir, 'q32.h5');
    const { programs: _p, answers: _a, questionFamilies: _f, ...testSplit } = sampleArrays(4);
    await writeQuestionsH5(path, testSplit, { dtype: 'int32' });
    expect(await readQuestionsH5(path)).toEqual(testSplit);
  });

  it('int64 values outside int32 and inconsistent row counts are errors naming the file', async () => {
    const h5 = await loadH5wasm();
    const path = join(dir, 'huge.h5');
    const f = new h5.File(path, 'w');
    f.create_dataset({ name: 'questions', data: new BigInt64Array([1n, 2n]), shape: [1, 2] });
    f.create_dataset({ name: 'image_idxs', data: new BigInt64Array([2n ** 40n]), shape: [1] });
    f.close();
    await expect(readQuestionsH5(path)).rejects.toThrow(
      /huge\.h5: dataset "image_idxs"\[0\] = 1099511627776/,
    );
    await expect(FeaturesH5Reader.open(path)).rejects.toThrow(
      /huge\.h5: missing dataset "features" \(has: image_idxs, questions\)/,
    );
    const partial = join(dir, 'partial.h5');
    const g = new h5.File(partial, 'w');
    g.create_dataset({ name: 'questions', data: new BigInt64Array([1n, 2n]), shape: [1, 2] });
    g.close();
    await expect(readQuestionsH5(partial)).rejects.toThrow(/partial\.h5: missing dataset "image_idxs"/);
    const bad = sampleArrays(3);
    bad.answers = new Int32Array(2);
    await expect(writeQuestionsH5(join(dir, 'bad.h5'), bad)).rejects.toThrow(/bad\.h5: "answers" has 2 rows/);
    expect(existsSync(join(dir, 'bad.h5'))).toBe(false);
    await expect(readQuestionsH5(join(dir, 'absent.h5'))).rejects.toThrow(/absent\.h5: no such file/);
    await writeFile(join(dir, 'text.h5'), 'not hdf5');
    await expect(readQuestionsH5(join(dir, 'text.h5'))).rejects.toThrow(/text\.h5: cannot open as HDF5/);
  });
});

describe('feature HDF5 files', () => {
  const rowShape: [number, number, number] = [3, 2, 4];
  const rowSize = 24;
  const rowsData = (start: number, count: number) =>
    Float32Array.from({ length: count * rowSize }, (_, i) => start * 1000 + i * 0.5);

  it('writes in batches, resumes after close, renames at the end, reads arbitrary rows', async () => {
    const path = join(dir, 'features.h5');
    const meta = { extractor: 'raw-14', image_size: '32x32' };
    const w1 = await FeaturesH5Writer.open(path, { rows: 5, rowShape, meta });
    w1.append(Float32Array.from(rowsData(0, 2)), 2);
    w1.close();
    expect(existsSync(path)).toBe(false);
    expect(existsSync(partialPathFor(path))).toBe(true);

    await expect(
      FeaturesH5Writer.open(path, { rows: 5, rowShape, meta: { ...meta, extractor: 'other' } }),
    ).rejects.toThrow(/features\.h5\.partial: cannot resume: it was started with extractor=raw-14/);

    const w2 = await FeaturesH5Writer.open(path, { rows: 5, rowShape, meta });
    expect(w2.rowsDone).toBe(2);
    w2.append(rowsData(2, 3), 3);
    await w2.finish();
    expect(existsSync(partialPathFor(path))).toBe(false);

    const r = await FeaturesH5Reader.open(path);
    expect(r.shape).toEqual([5, 3, 2, 4]);
    const want = new Float32Array(5 * rowSize);
    want.set(rowsData(0, 2), 0);
    want.set(rowsData(2, 3), 2 * rowSize);
    const rows = r.readRows([4, 0, 1, 1, 3]);
    for (const [k, idx] of [4, 0, 1, 1, 3].entries()) {
      expect(Array.from(rows.subarray(k * rowSize, (k + 1) * rowSize))).toEqual(
        Array.from(want.subarray(idx * rowSize, (idx + 1) * rowSize)),
      );
    }
    expect(() => r.readRows([5])).toThrow(/features\.h5: feature row 5 out of range/);
    r.close();
  });

  it('converts NCHW <-> NHWC', () => {
    const nchw = Float32Array.from({ length: 2 * 3 * 2 * 2 }, (_, i) => i);
    const nhwc = nchwToNhwc(nchw, 2, 3, 2, 2);
    // sample 1, position (h=1, w=0), channel 2 -> NCHW index 1*12 + 2*4 + 1*2 + 0
    expect(nhwc[12 + (1 * 2 + 0) * 3 + 2]).toBe(nchw[12 + 2 * 4 + 2]);
    expect(nhwcToNchw(nhwc, 2, 2, 2, 3)).toEqual(nchw);
  });
});

// Cross-check with the Python tools (h5py), when /usr/bin/python3 has h5py; otherwise the test says it skipped.
const python = '/usr/bin/python3';
const hasH5py =
  existsSync(python) && spawnSync(python, ['-c', 'import h5py, numpy'], { stdio: 'ignore' }).status === 0;
describe.skipIf(!hasH5py)('h5py interoperability (needs /usr/bin/python3 with h5py and numpy)', () => {
  it('files written by h5py load here and ours load in h5py', async () => {
    const pyFile = join(dir, 'py.h5');
    const script = `
import h5py, numpy as np
with h5py.File(${JSON.stringify(pyFile)}, 'w') as f:
    f.create_dataset('questions', data=np.asarray([[1, 5, 9, 2], [1, 7, 2, 0]], dtype=np.int32))
    f.create_dataset('image_idxs', data=np.asarray([0, 3]))
    f.create_dataset('orig_idxs', data=np.asarray([0, 1]))
    f.create_dataset('programs', data=np.asarray([[1, 4, 2], [1, 6, 2]], dtype=np.int32))
    f.create_dataset('answers', data=np.asarray([5, 8]))
    f.create_dataset('features', data=np.arange(2 * 3 * 2 * 2, dtype=np.float32).reshape(2, 3, 2, 2))
`;
    expect(spawnSync(python, ['-c', script]).status).toBe(0);
    const q = await readQuestionsH5(pyFile);
    expect(Array.from(q.questions.data)).toEqual([1, 5, 9, 2, 1, 7, 2, 0]);
    expect(Array.from(q.imageIdxs)).toEqual([0, 3]);
    expect(Array.from(q.programs!.data)).toEqual([1, 4, 2, 1, 6, 2]);
    expect(Array.from(q.answers!)).toEqual([5, 8]);
    const feats = await FeaturesH5Reader.open(pyFile);
    expect(Array.from(feats.readRows([1]))).toEqual(Array.from({ length: 12 }, (_, i) => 12 + i));
    feats.close();

    const ours = join(dir, 'ours.h5');
    await writeQuestionsH5(ours, sampleArrays(6));
    const featPath = join(dir, 'ours-features.h5');
    const w = await FeaturesH5Writer.open(featPath, { rows: 2, rowShape: [3, 2, 2] });
    w.append(
      Float32Array.from({ length: 24 }, (_, i) => i / 2),
      2,
    );
    await w.finish();
    const check = `
import h5py, numpy as np
with h5py.File(${JSON.stringify(ours)}, 'r') as f:
    q = f['questions'][()]
    assert q.dtype == np.int64 and q.shape == (6, 7), (q.dtype, q.shape)
    assert f['programs'].shape == (6, 5) and f['answers'][2] == 6 and f['image_idxs'][5] == 1
with h5py.File(${JSON.stringify(featPath)}, 'r') as f:
    x = f['features'][()]
    assert x.dtype == np.float32 and x.shape == (2, 3, 2, 2) and x[1, 2, 1, 1] == 11.5, (x.dtype, x.shape)
print('ok')
`;
    const res = spawnSync(python, ['-c', check], { encoding: 'utf8' });
    expect(res.stderr).toBe('');
    expect(res.stdout.trim()).toBe('ok');
  });
});

describe('int64 <-> int32 conversion', () => {
  it('keeps negative and extreme int32 values and rejects the rest', () => {
    const v = Int32Array.from([0, 1, -1, 2147483647, -2147483648, 123456, -98765]);
    const wide = toBigInt64Array(v);
    expect(Array.from(wide)).toEqual(Array.from(v, (x) => BigInt(x)));
    expect(toInt32Array(wide, 'x')).toEqual(v);
    expect(() => toInt32Array(BigInt64Array.from([5n, 2147483648n]), 'x')).toThrow(
      /x\[1\] = 2147483648 does not fit/,
    );
    expect(() => toInt32Array(BigInt64Array.from([-2147483649n]), 'x')).toThrow(
      /x\[0\] = -2147483649 does not fit/,
    );
    expect(() => toInt32Array(BigUint64Array.from([2n ** 63n]), 'x')).toThrow(/does not fit/);
    expect(toInt32Array(BigUint64Array.from([7n]), 'x')).toEqual(Int32Array.from([7]));
  });
});
