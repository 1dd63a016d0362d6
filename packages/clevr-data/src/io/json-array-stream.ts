import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import Pick from 'stream-json/filters/Pick.js';
import Parser from 'stream-json/Parser.js';
import StreamArray from 'stream-json/streamers/StreamArray.js';
import type { ProgressCallback } from './progress.js';

/** Thrown for a JSON file that cannot be read as expected; the message always names the file. */
export class JsonFileError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'JsonFileError';
  }
}

export interface JsonArrayStreamOptions<T> {
  /** Top-level key holding the array, e.g. `questions` in CLEVR_<split>_questions.json. */
  field: string;
  /** Validates/converts one element; a throw becomes an error naming the file, the field and the index. */
  parse: (value: unknown, index: number) => T;
  /** Bytes read so far out of the file size; called every `progressEvery` elements and once at the end. */
  onProgress?: ProgressCallback;
  progressEvery?: number;
  signal?: AbortSignal;
}

/**
 * Streams the elements of the array stored under a top-level key of a (possibly huge) JSON file, never holding
 * the whole file as one string. Truncated or malformed JSON, a missing key and invalid elements are errors that
 * name the file.
 */
export async function* streamJsonArrayField<T>(
  file: string,
  options: JsonArrayStreamOptions<T>,
): AsyncGenerator<T, void, undefined> {
  const { field, parse, onProgress, progressEvery = 1000, signal } = options;
  let total: number;
  try {
    total = (await stat(file)).size;
  } catch (err) {
    throw new JsonFileError(file, `cannot read file (${(err as Error).message})`);
  }
  const source = createReadStream(file);
  const picker = Pick.make({ filter: field });
  let picked = false;
  picker.once('data', () => {
    picked = true;
  });
  const elements = StreamArray.make();
  let failure: Error | undefined;
  pipeline(source, Parser.make({ streamValues: false }), picker, elements, (err) => {
    if (err && !failure) failure = err;
  });
  const phase = `read ${file}`;
  let index = 0;
  try {
    for await (const item of elements as AsyncIterable<{ key: number; value: unknown }>) {
      if (signal?.aborted) throw new JsonFileError(file, 'reading aborted');
      let parsed: T;
      try {
        parsed = parse(item.value, index);
      } catch (err) {
        throw new JsonFileError(file, `${field}[${index}]: ${(err as Error).message}`);
      }
      index++;
      if (onProgress && index % progressEvery === 0) onProgress({ phase, done: source.bytesRead, total });
      yield parsed;
    }
  } catch (err) {
    if (err instanceof JsonFileError) throw err;
    throw new JsonFileError(
      file,
      `invalid or truncated JSON after ${index} ${field} elements (${(err as Error).message})`,
    );
  } finally {
    source.destroy();
    elements.destroy();
  }
  if (failure) {
    throw new JsonFileError(
      file,
      `invalid or truncated JSON after ${index} ${field} elements (${failure.message})`,
    );
  }
  if (!picked) throw new JsonFileError(file, `no top-level "${field}" array`);
  onProgress?.({ phase, done: total, total });
}

/** Collects every element of `streamJsonArrayField` into an array (for files known to be small). */
export async function readJsonArrayField<T>(file: string, options: JsonArrayStreamOptions<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of streamJsonArrayField(file, options)) out.push(item);
  return out;
}
