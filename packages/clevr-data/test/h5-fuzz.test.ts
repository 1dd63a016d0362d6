import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzSettings } from '../../../test-support/fuzz';
import {
  FeaturesH5Reader,
  FeaturesH5Writer,
  H5FileError,
  readQuestionsH5,
  writeQuestionsH5,
} from '../src/h5/index.js';

/** Cases per reader in the test suite (`pnpm fuzz` runs many more through FUZZ_RUNS). */
const { runs: RUNS, seed: SEED } = fuzzSettings(60);
/** Generous: a damaged file takes a few milliseconds to refuse, more on a loaded machine. */
const TIMEOUT = Math.max(120_000, RUNS * 200);

let dir: string;
let questionsFile: Uint8Array;
let featuresFile: Uint8Array;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'h5-fuzz-'));
  const q = join(dir, 'q.h5');
  await writeQuestionsH5(q, {
    questions: { data: Int32Array.from({ length: 12 }, (_, i) => i % 7), rows: 3, cols: 4 },
    imageIdxs: Int32Array.from([0, 1, 1]),
    programs: { data: Int32Array.from({ length: 9 }, (_, i) => i % 5), rows: 3, cols: 3 },
    answers: Int32Array.from([4, 5, 6]),
  });
  questionsFile = await readFile(q);
  const f = join(dir, 'f.h5');
  const w = await FeaturesH5Writer.open(f, { rows: 3, rowShape: [2, 2, 2], resume: false });
  w.append(
    Float32Array.from({ length: 24 }, (_, i) => i / 10),
    3,
  );
  await w.finish();
  featuresFile = await readFile(f);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Overwrites, bit flips and truncations, mostly in the first 4 KiB (superblock, object headers, B-trees). */
const mutation = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      at: fc.nat(4096),
      value: fc.integer({ min: 0, max: 255 }),
      flip: fc.constant(false),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      at: fc.nat(4096),
      value: fc.integer({ min: 0, max: 7 }),
      flip: fc.constant(true),
    }),
  },
  { weight: 1, arbitrary: fc.record({ at: fc.nat(), value: fc.constant(-1), flip: fc.constant(false) }) },
);

function mutate(valid: Uint8Array, edits: { at: number; value: number; flip: boolean }[]): Uint8Array {
  let bytes = Uint8Array.from(valid);
  for (const m of edits) {
    const at = m.at % bytes.length;
    if (m.value < 0) bytes = bytes.slice(0, Math.max(1, at));
    else if (m.flip) bytes[at] ^= 1 << m.value;
    else bytes[at] = m.value;
  }
  return bytes;
}

/** Runs `read` on a mutated copy: it may succeed, or fail with an H5FileError naming the file; nothing else. */
async function readsOrNamesTheFile(valid: Uint8Array, read: (path: string) => Promise<unknown>) {
  let refused = 0;
  let n = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (edits) => {
      const path = join(dir, `fuzzed-${n++}.h5`);
      await writeFile(path, mutate(valid, edits));
      try {
        await read(path);
      } catch (error) {
        expect(error, String(error)).toBeInstanceOf(H5FileError);
        expect((error as Error).message.startsWith(`${path}: `)).toBe(true);
        expect((error as Error).message).not.toContain('\n');
        refused++;
      } finally {
        await rm(path, { force: true });
      }
    }),
    { numRuns: RUNS, seed: SEED },
  );
  return refused;
}

describe('HDF5 readers on damaged files (property-based)', () => {
  it(
    'readQuestionsH5 throws only H5FileError',
    async () => {
      expect((await readQuestionsH5(join(dir, 'q.h5'))).questions.rows).toBe(3);
      expect(await readsOrNamesTheFile(questionsFile, readQuestionsH5)).toBeGreaterThan(0);
    },
    TIMEOUT,
  );

  it(
    'FeaturesH5Reader throws only H5FileError',
    async () => {
      const refused = await readsOrNamesTheFile(featuresFile, async (path) => {
        const reader = await FeaturesH5Reader.open(path);
        try {
          reader.readRows([0, 1, 2]);
        } finally {
          reader.close();
        }
      });
      expect(refused).toBeGreaterThan(0);
    },
    TIMEOUT,
  );
});
