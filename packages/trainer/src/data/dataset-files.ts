import { existsSync } from 'node:fs';
import { join } from 'node:path';

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
  return {
    dir,
    vocab: join(dir, 'vocab.json'),
    trainQuestions: join(dir, 'train_questions.h5'),
    trainFeatures: join(dir, 'train_features.h5'),
    valQuestions: join(dir, 'val_questions.h5'),
    valFeatures: join(dir, 'val_features.h5'),
  };
}

/** Throws one error listing every missing file of the parts needed. */
export function checkDatasetFiles(files: DatasetFiles, parts: ('train' | 'val')[] = ['train', 'val']): void {
  const needed = [files.vocab];
  if (parts.includes('train')) needed.push(files.trainQuestions, files.trainFeatures);
  if (parts.includes('val')) needed.push(files.valQuestions, files.valFeatures);
  const missing = needed.filter((f) => !existsSync(f));
  if (missing.length) {
    throw new Error(
      `dataset folder ${files.dir}: missing ${missing.join(', ')} (expected vocab.json, {train,val}_questions.h5 and {train,val}_features.h5, as written by mmnet-data preprocess-questions and extract-features)`,
    );
  }
}
