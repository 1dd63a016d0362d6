import { withAtomicPath } from '@mmnet/core-tensors';
import { META_PREFIX } from './features-h5.js';
import {
  asH5FileError,
  errorMessage,
  type H5File,
  H5FileError,
  openH5,
  requireDataset,
} from './h5wasm-loader.js';
import { type IntMatrix, toBigInt64Array, toInt32Array } from './int-arrays.js';

/**
 * The arrays of a preprocessed question file, as the reference `preprocess_questions.py` writes them with h5py:
 * `questions` [N, Lq], `image_idxs` [N], `orig_idxs` [N], and when the JSON has them `programs` [N, Lp],
 * `answers` [N], `question_families` [N]. In memory every array is int32.
 */
export interface QuestionArrays {
  questions: IntMatrix;
  imageIdxs: Int32Array;
  origIdxs?: Int32Array;
  programs?: IntMatrix;
  answers?: Int32Array;
  questionFamilies?: Int32Array;
}

/** Integer width on disk: `int64` is what numpy/h5py produce by default (and what the reference tools read). */
export type H5IntDtype = 'int64' | 'int32';

export interface WriteQuestionsH5Options {
  dtype?: H5IntDtype;
  /** Settings stored as attributes `meta_<key>` of `questions` (a shard's, for `mergeQuestionShards`). */
  meta?: Record<string, string | number>;
}

/** Number of questions in `arrays`, after checking that every array has one row per question. */
export function checkQuestionArrays(arrays: QuestionArrays): number {
  const n = arrays.questions.rows;
  const check = (name: string, len: number | undefined) => {
    if (len !== undefined && len !== n) throw new Error(`"${name}" has ${len} rows but "questions" has ${n}`);
  };
  if (arrays.questions.data.length !== n * arrays.questions.cols) {
    throw new Error(
      `"questions" data length ${arrays.questions.data.length} is not ${n} x ${arrays.questions.cols}`,
    );
  }
  if (arrays.programs && arrays.programs.data.length !== arrays.programs.rows * arrays.programs.cols) {
    throw new Error(
      `"programs" data length does not match ${arrays.programs.rows} x ${arrays.programs.cols}`,
    );
  }
  check('image_idxs', arrays.imageIdxs.length);
  check('orig_idxs', arrays.origIdxs?.length);
  check('programs', arrays.programs?.rows);
  check('answers', arrays.answers?.length);
  check('question_families', arrays.questionFamilies?.length);
  return n;
}

/** Writes the question arrays to `path` (through a temporary file renamed at the end). */
export async function writeQuestionsH5(
  path: string,
  arrays: QuestionArrays,
  options: WriteQuestionsH5Options = {},
): Promise<void> {
  const dtype = options.dtype ?? 'int64';
  try {
    checkQuestionArrays(arrays);
  } catch (err) {
    throw new H5FileError(path, errorMessage(err));
  }
  await withAtomicPath(path, async (tmp) => {
    const file = await openH5(tmp, 'w');
    try {
      const put = (name: string, values: Int32Array, shape: number[]) => {
        file.create_dataset({
          name,
          data: dtype === 'int64' ? toBigInt64Array(values) : values,
          shape,
          dtype: dtype === 'int64' ? '<q' : '<i',
        });
      };
      const q = arrays.questions;
      put('questions', q.data, [q.rows, q.cols]);
      const questions = requireDataset(file, tmp, 'questions');
      for (const [key, value] of Object.entries(options.meta ?? {}))
        questions.create_attribute(META_PREFIX + key, value);
      put('image_idxs', arrays.imageIdxs, [q.rows]);
      if (arrays.origIdxs) put('orig_idxs', arrays.origIdxs, [q.rows]);
      if (arrays.programs)
        put('programs', arrays.programs.data, [arrays.programs.rows, arrays.programs.cols]);
      if (arrays.answers) put('answers', arrays.answers, [q.rows]);
      if (arrays.questionFamilies) put('question_families', arrays.questionFamilies, [q.rows]);
    } finally {
      file.close();
    }
  });
}

/** Reads a question file written by this package or by the reference Python tools (any integer dtype). */
export async function readQuestionsH5(path: string): Promise<QuestionArrays> {
  const file = await openH5(path, 'r');
  try {
    return readQuestionArrays(file, path);
  } catch (err) {
    throw asH5FileError(path, err);
  } finally {
    file.close();
  }
}

/** The `meta_<key>` attributes of a question file's `questions` (keys without the prefix). */
export async function readQuestionsMeta(path: string): Promise<Record<string, string>> {
  const file = await openH5(path, 'r');
  try {
    const ds = requireDataset(file, path, 'questions');
    const meta: Record<string, string> = {};
    for (const name of Object.keys(ds.attrs))
      if (name.startsWith(META_PREFIX))
        meta[name.slice(META_PREFIX.length)] = String(ds.get_attribute(name, true));
    return meta;
  } catch (err) {
    throw asH5FileError(path, err);
  } finally {
    file.close();
  }
}

function readQuestionArrays(file: H5File, path: string): QuestionArrays {
  {
    const questions = readMatrix(file, path, 'questions');
    const n = questions.rows;
    const vector = (name: string, required: boolean): Int32Array | undefined => {
      if (!required && file.get(name) === null) return undefined;
      const ds = requireDataset(file, path, name);
      const shape = ds.shape ?? [];
      if (shape.length !== 1 || shape[0] !== n) {
        throw new H5FileError(path, `dataset "${name}" has shape [${shape}], expected [${n}]`);
      }
      return convert(ds.value, path, name);
    };
    const arrays: QuestionArrays = {
      questions,
      imageIdxs: vector('image_idxs', true)!,
      origIdxs: vector('orig_idxs', false),
      answers: vector('answers', false),
      questionFamilies: vector('question_families', false),
    };
    if (file.get('programs') !== null) {
      const programs = readMatrix(file, path, 'programs');
      if (programs.rows !== n) {
        throw new H5FileError(path, `dataset "programs" has ${programs.rows} rows, "questions" has ${n}`);
      }
      arrays.programs = programs;
    }
    return arrays;
  }
}

function readMatrix(file: H5File, path: string, name: string): IntMatrix {
  const ds = requireDataset(file, path, name);
  const shape = ds.shape ?? [];
  if (shape.length !== 2) throw new H5FileError(path, `dataset "${name}" has shape [${shape}], expected 2-D`);
  return { data: convert(ds.value, path, name), rows: shape[0], cols: shape[1] };
}

function convert(values: unknown, path: string, name: string): Int32Array {
  try {
    return toInt32Array(values, `dataset "${name}"`);
  } catch (err) {
    throw new H5FileError(path, errorMessage(err));
  }
}
