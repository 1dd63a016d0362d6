import { existsSync } from 'node:fs';
import { readQuestionsH5 } from '@mmnet/clevr-data';
import { tokensByIndex } from '@mmnet/programs';
import {
  answerKind,
  answerTypePrior,
  type DatasetSplit,
  datasetFiles,
  evaluateCheckpoint,
  type ModelRegistry,
  readVocabFile,
  resolveCheckpoint,
  splitFiles,
} from '@mmnet/trainer';
import { accuracyByFamily, tallyByTemplate } from './families.js';

/** What the results keep of an evaluation on one split. */
export interface SplitEvaluation {
  checkpoint: string;
  split: string;
  questions: number;
  accuracy: number;
  perFamily: Record<string, number | null>;
  programExactMatch: number | null;
  backend: string;
}

/** A split's question and feature files in a dataset folder, and its vocab.json. */
function datasetSplit(datasetDir: string, split: DatasetSplit) {
  const files = datasetFiles(datasetDir);
  return { vocab: files.vocab, ...splitFiles(files, split) };
}

/** Evaluates the best (else latest) checkpoint of a run folder on a split (its first `maxQuestions`, else all). */
export async function evaluateRunOnSplit(
  runDir: string,
  datasetDir: string,
  split: DatasetSplit,
  registry: ModelRegistry,
  maxQuestions?: number,
): Promise<SplitEvaluation> {
  const files = datasetSplit(datasetDir, split);
  for (const f of Object.values(files))
    if (!existsSync(f)) throw new Error(`${datasetDir}: no ${f} (split ${split})`);
  const { file, checkpoint } = resolveCheckpoint({ run: runDir });
  const vocab = readVocabFile(files.vocab);
  const result = await evaluateCheckpoint(
    { file, checkpoint, vocab },
    { questionsH5: files.questions, featuresH5: files.features, batchSize: 64, maxSamples: maxQuestions },
    registry,
  );
  return {
    checkpoint: file,
    split,
    questions: result.count,
    accuracy: result.accuracy,
    perFamily: accuracyByFamily(result.perFamily),
    programExactMatch: result.programExactMatch ?? null,
    backend: String(checkpoint.metadata.backend ?? 'unknown'),
  };
}

/**
 * The answer-type prior (most common training answer per kind of answer) on a split (its first `maxQuestions`,
 * else all), overall and per family.
 */
export async function answerTypePriorOnSplit(
  datasetDir: string,
  split: DatasetSplit,
  maxQuestions?: number,
): Promise<{ accuracy: number; perFamily: Record<string, number | null> }> {
  const vocab = readVocabFile(datasetFiles(datasetDir).vocab);
  const tokens = tokensByIndex(vocab.answer_token_to_idx);
  const train = await readQuestionsH5(datasetSplit(datasetDir, 'train').questions);
  const evaluated = await readQuestionsH5(datasetSplit(datasetDir, split).questions);
  if (!train.answers || !evaluated.answers || !evaluated.questionFamilies)
    throw new Error(
      `${datasetDir}: the train and ${split} question files need answers and question families`,
    );
  const answers = evaluated.answers.subarray(0, maxQuestions ?? evaluated.answers.length);
  const prior = answerTypePrior(train.answers, answers, tokens);
  const families = evaluated.questionFamilies;
  const perTemplate = tallyByTemplate(
    answers.length,
    (i) => families[i],
    (i) => prior.byKind[answerKind(tokens[answers[i]] ?? '')] === answers[i],
  );
  return { accuracy: prior.accuracy, perFamily: accuracyByFamily(perTemplate) };
}
