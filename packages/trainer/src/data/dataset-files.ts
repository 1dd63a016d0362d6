import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The splits a dataset folder can hold (clevr-iep's preprocessing writes train and val; the presets add test). */
export const DATASET_SPLITS = ['train', 'val', 'test'] as const;
export type DatasetSplit = (typeof DATASET_SPLITS)[number];

/** The files of a dataset folder, named as clevr-iep's preprocessing names them. */
export interface DatasetFiles {
  dir: string;
  vocab: string;
  trainQuestions: string;
  trainFeatures: string;
  valQuestions: string;
  valFeatures: string;
}

export function datasetFiles(dir: string): DatasetFiles {
  const train = splitPaths(dir, 'train');
  const val = splitPaths(dir, 'val');
  return {
    dir,
    vocab: join(dir, 'vocab.json'),
    trainQuestions: train.questions,
    trainFeatures: train.features,
    valQuestions: val.questions,
    valFeatures: val.features,
  };
}

/** A split's questions and features (`<split>_questions.h5`, `<split>_features.h5`). */
export function splitFiles(
  files: DatasetFiles,
  split: DatasetSplit,
): { questions: string; features: string } {
  return splitPaths(files.dir, split);
}

function splitPaths(dir: string, split: DatasetSplit): { questions: string; features: string } {
  return { questions: join(dir, `${split}_questions.h5`), features: join(dir, `${split}_features.h5`) };
}

/** Throws one error listing every missing file of the splits needed. */
export function checkDatasetFiles(files: DatasetFiles, parts: DatasetSplit[] = ['train', 'val']): void {
  const needed = [files.vocab, ...parts.flatMap((split) => Object.values(splitFiles(files, split)))];
  const missing = needed.filter((f) => !existsSync(f));
  if (missing.length) {
    const splits = parts.length === 1 ? parts[0] : `{${parts.join(',')}}`;
    throw new Error(
      `dataset folder ${files.dir}: missing ${missing.join(', ')} (expected vocab.json, ${splits}_questions.h5 and ${splits}_features.h5, as written by mmnet-data preprocess-questions and extract-features)`,
    );
  }
}
