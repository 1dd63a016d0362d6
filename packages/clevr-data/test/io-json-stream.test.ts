import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withAtomicPath } from '@mmnet/core-tensors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Progress, readJsonArrayField, streamJsonArrayField } from '../src/io/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'io-json-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const parseItem = (v: unknown) => {
  const o = v as { question?: unknown };
  if (typeof o?.question !== 'string') throw new Error('field "question" must be a string');
  return o.question;
};

describe('streamJsonArrayField', () => {
  it('streams the elements of a top-level array field, with progress', async () => {
    const file = join(dir, 'ok.json');
    const questions = Array.from({ length: 2500 }, (_, i) => ({ question: `q${i}?`, image_index: i }));
    await writeFile(file, JSON.stringify({ info: { split: 'val' }, questions }));
    const progress: Progress[] = [];
    const got = await readJsonArrayField(file, {
      field: 'questions',
      parse: parseItem,
      onProgress: (p) => progress.push(p),
    });
    expect(got).toHaveLength(2500);
    expect(got[0]).toBe('q0?');
    expect(got[2499]).toBe('q2499?');
    expect(progress.length).toBe(3);
    expect(progress.at(-1)!.done).toBe(progress.at(-1)!.total);
  });

  it('a truncated file is an error naming the file, and nothing is left half-written', async () => {
    const file = join(dir, 'truncated.json');
    const text = JSON.stringify({ questions: [{ question: 'a?' }, { question: 'b?' }, { question: 'c?' }] });
    await writeFile(file, text.slice(0, text.length - 20));
    const out = join(dir, 'out', 'result.txt');
    const run = withAtomicPath(out, async (tmp) => {
      const got: string[] = [];
      for await (const q of streamJsonArrayField(file, { field: 'questions', parse: parseItem })) got.push(q);
      await writeFile(tmp, got.join('\n'));
    });
    await expect(run).rejects.toThrow(
      /truncated\.json: invalid or truncated JSON after \d questions elements/,
    );
    expect(await readdir(join(dir, 'out'))).toEqual([]);
  });

  it('an invalid element names the file, the field and the index', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ questions: [{ question: 'a?' }, { question: 3 }] }));
    await expect(readJsonArrayField(file, { field: 'questions', parse: parseItem })).rejects.toThrow(
      /bad\.json: questions\[1\]: field "question" must be a string/,
    );
  });

  it('a missing field or file is a clear error', async () => {
    const file = join(dir, 'nofield.json');
    await writeFile(file, JSON.stringify({ scenes: [] }));
    await expect(readJsonArrayField(file, { field: 'questions', parse: parseItem })).rejects.toThrow(
      /nofield\.json: no top-level "questions" array/,
    );
    await expect(
      readJsonArrayField(join(dir, 'absent.json'), { field: 'questions', parse: parseItem }),
    ).rejects.toThrow(/absent\.json: cannot read file/);
  });
});
