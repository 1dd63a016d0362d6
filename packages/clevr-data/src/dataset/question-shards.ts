import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { H5FileError } from '../h5/h5wasm-loader.js';
import type { IntMatrix } from '../h5/int-arrays.js';
import {
  type QuestionArrays,
  readQuestionsH5,
  readQuestionsMeta,
  writeQuestionsH5,
} from '../h5/questions-h5.js';
import { checkShardSet, type ShardFile, shardOfMeta } from '../shards/shards.js';
import { QUESTION_SHARD_KEYS } from './preprocess-questions.js';

export interface MergeQuestionShardsResult {
  outputH5: string;
  shards: number;
  questions: number;
  questionLength: number;
  programLength: number;
}

/** Rows of `parts` one after the other, each padded with `<NULL>` (0) to the widest part. */
function stackRows(parts: IntMatrix[]): IntMatrix {
  const cols = Math.max(...parts.map((p) => p.cols));
  const rows = parts.reduce((a, p) => a + p.rows, 0);
  const data = new Int32Array(rows * cols);
  let row = 0;
  for (const p of parts)
    for (let r = 0; r < p.rows; r++, row++)
      data.set(p.data.subarray(r * p.cols, (r + 1) * p.cols), row * cols);
  return { data, rows, cols };
}

function concat(parts: Int32Array[]): Int32Array {
  const out = new Int32Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Joins the n shard files of one `preprocess-questions --shard i/n` run into the file an unsharded run writes: the
 * same datasets, value for value (questions and programs padded to the widest shard, which is the whole file's
 * width). Refuses, naming the file, what is not exactly the n shards of one run (another n, a shard missing or
 * given twice, another questions file, vocabulary, program order, `encode_unk` or integer type).
 */
export async function mergeQuestionShards(config: {
  inputs: readonly string[];
  outputH5: string;
}): Promise<MergeQuestionShardsResult> {
  const { inputs, outputH5 } = config;
  if (inputs.length === 0) throw new Error('merge-features: no shard files given');
  const out = resolve(outputH5);
  const shards: (ShardFile & { arrays: QuestionArrays })[] = [];
  for (const file of inputs) {
    if (resolve(file) === out) throw new H5FileError(file, 'is both a shard and the merged output');
    if (!existsSync(file)) throw new H5FileError(file, 'no such shard file');
    const meta = await readQuestionsMeta(file);
    const { shard, start } = shardOfMeta(file, meta);
    const arrays = await readQuestionsH5(file);
    if (!arrays.origIdxs)
      throw new H5FileError(file, 'no orig_idxs dataset (not written by preprocess-questions)');
    const present = {
      programs: arrays.programs,
      answers: arrays.answers,
      question_families: arrays.questionFamilies,
    };
    meta.datasets = Object.entries(present)
      .filter(([, a]) => a !== undefined)
      .map(([name]) => name)
      .join(',');
    shards.push({ file, shard, start, rows: arrays.questions.rows, meta, arrays });
  }
  const ordered = checkShardSet(shards, [...QUESTION_SHARD_KEYS, 'datasets'], 'preprocessing');
  const all = ordered.map((s) => s.arrays);
  // The shards share their datasets (checked above): the first one says which there are.
  const some = <T>(pick: (a: QuestionArrays) => T | undefined) =>
    pick(all[0]) !== undefined ? all.map((a) => pick(a) as T) : undefined;
  const programs = some((a) => a.programs);
  const answers = some((a) => a.answers);
  const families = some((a) => a.questionFamilies);
  const merged: QuestionArrays = {
    questions: stackRows(all.map((a) => a.questions)),
    imageIdxs: concat(all.map((a) => a.imageIdxs)),
    origIdxs: concat(all.map((a) => a.origIdxs as Int32Array)),
    programs: programs && stackRows(programs),
    answers: answers && concat(answers),
    questionFamilies: families && concat(families),
  };
  await writeQuestionsH5(outputH5, merged, {
    dtype: ordered[0].meta.h5_dtype === 'int64' ? 'int64' : 'int32',
  });
  return {
    outputH5,
    shards: ordered.length,
    questions: merged.questions.rows,
    questionLength: merged.questions.cols,
    programLength: merged.programs?.cols ?? 0,
  };
}
