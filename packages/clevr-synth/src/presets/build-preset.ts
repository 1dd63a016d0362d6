import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FeatureExtractor, ProgressCallback, Question } from '@mmnet/clevr-data';
import {
  buildVocab,
  expandVocab,
  extractFeatures,
  parseQuestionFile,
  preprocessQuestions,
} from '@mmnet/clevr-data';
import { writeFileAtomicAsync } from '@mmnet/core-tensors';
import { vocabToJson } from '@mmnet/programs';
import { createBuiltinExtractor } from '../builtin-extractor/create-builtin-extractor.js';
import { generateClevrSplit } from '../dataset/generate-split.js';
import { getPreset } from './preset-definitions.js';
import { type PresetManifest, readPresetManifest, writePresetManifest } from './preset-manifest.js';

/** The files of one split of a built preset. */
export interface PresetSplitFiles {
  split: string;
  /** images/<split>/CLEVR_<split>_XXXXXX.png */
  imageDir: string;
  /** scenes/CLEVR_<split>_scenes.json */
  scenesJson: string;
  /** questions/CLEVR_<split>_questions.json */
  questionsJson: string;
  /** <split>_questions.h5 (questions, programs, answers, image_idxs, ...) */
  questionsH5: string;
  /** <split>_features.h5 (`features` [N, C, H, W] float32) */
  featuresH5: string;
  images: number;
  questions: number;
}

/** What `buildPreset` returns: every file the trainer needs. */
export interface PresetFiles {
  name: string;
  dir: string;
  /** vocab.json (built on the first split, usually train). */
  vocabJson: string;
  /** By split name (`train`, `val`). */
  splits: Record<string, PresetSplitFiles>;
  /** [C, H, W] of one image's features. */
  featureShape: [number, number, number];
  /** Name of the extractor that made the features (with a hash of its weights). */
  extractor: string;
  /** Steps run by this call (empty when everything was already built). */
  ranSteps: string[];
}

export interface BuildPresetOptions {
  /** Progress of the running step (phases `generate <split>`, `preprocess <split>`, `features <split>`). */
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  /** Feature extractor (default: the built-in CNN with the committed weights). */
  extractor?: FeatureExtractor;
  /** Input size given to the extractor (default: the built-in CNN's, 224x224). */
  featureImageSize?: { height: number; width: number };
}

function splitFiles(dir: string, split: string): Omit<PresetSplitFiles, 'images' | 'questions'> {
  return {
    split,
    imageDir: join(dir, 'images', split),
    scenesJson: join(dir, 'scenes', `CLEVR_${split}_scenes.json`),
    questionsJson: join(dir, 'questions', `CLEVR_${split}_questions.json`),
    questionsH5: join(dir, `${split}_questions.h5`),
    featuresH5: join(dir, `${split}_features.h5`),
  };
}

/** The questions of a CLEVR-format question file; an unreadable or malformed file is an error naming it. */
export async function readQuestions(file: string): Promise<Question[]> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: cannot read questions (${(err as Error).message})`);
  }
  return parseQuestionFile(data, file).questions;
}

/**
 * Builds (or completes) a named dataset preset in `dir`: for each split, the synthetic images, scenes and
 * questions in CLEVR's layout, then `vocab.json` (built on the first split), `<split>_questions.h5` and
 * `<split>_features.h5`. Each step is recorded in `dir/preset.json` when it completes, and skipped on the
 * next call when its files are still there, so a second call does nothing and an interrupted build
 * continues (image rendering and feature extraction also resume inside a step). A folder built with
 * another definition is refused. Initialise the tfjs backend first (`initBackend()` from core-tensors).
 */
export async function buildPreset(
  name: string,
  dir: string,
  options: BuildPresetOptions = {},
): Promise<PresetFiles> {
  const preset = getPreset(name);
  const manifest: PresetManifest = (await readPresetManifest(dir, preset)) ?? { preset, steps: {} };
  const ranSteps: string[] = [];
  const done = (step: string, files: string[]) =>
    manifest.steps[step] !== undefined && files.every((f) => existsSync(f));
  const record = async (step: string, info: Record<string, unknown>) => {
    manifest.steps[step] = info;
    ranSteps.push(step);
    await writePresetManifest(dir, manifest);
  };
  const files = Object.fromEntries(preset.splits.map((s) => [s.split, splitFiles(dir, s.split)]));

  // 1. Images, scenes and questions per split.
  for (const { split, images, seed, questionsPerImage } of preset.splits) {
    const f = files[split];
    const step = `generate:${split}`;
    if (done(step, [f.scenesJson, f.questionsJson, f.imageDir])) continue;
    const res = await generateClevrSplit(
      {
        outputDir: dir,
        split,
        numImages: images,
        seed,
        width: preset.width,
        height: preset.height,
        templatesPerImage: questionsPerImage,
        date: preset.date,
      },
      { onProgress: options.onProgress, signal: options.signal },
    );
    await record(step, { images: res.images, questions: res.questions });
  }

  // 2. vocab.json: built on the first split, grown by the few tokens of the other splits that it lacks (e.g.
  // a rare count as an answer), so that every split encodes without <UNK>.
  const vocabJson = join(dir, 'vocab.json');
  if (!done('vocab', [vocabJson])) {
    const [first, ...rest] = preset.splits;
    let vocab = buildVocab(await readQuestions(files[first.split].questionsJson));
    const sizes = () => Object.values(vocab).reduce((n, m) => n + Object.keys(m).length, 0);
    const builtSize = sizes();
    for (const s of rest) {
      vocab = expandVocab(vocab, await readQuestions(files[s.split].questionsJson), {
        parts: { questions: true, programs: true, answers: true },
      });
    }
    await writeFileAtomicAsync(vocabJson, vocabToJson(vocab, 2));
    await record('vocab', { builtOn: first.split, addedFromOtherSplits: sizes() - builtSize });
  }

  // 3. <split>_questions.h5.
  for (const { split } of preset.splits) {
    const f = files[split];
    const step = `questions-h5:${split}`;
    if (done(step, [f.questionsH5])) continue;
    const res = await preprocessQuestions(
      { inputQuestionsJson: f.questionsJson, inputVocabJson: vocabJson, outputH5File: f.questionsH5 },
      { onProgress: options.onProgress, signal: options.signal },
    );
    await record(step, {
      questions: res.questions,
      questionLength: res.questionLength,
      programLength: res.programLength,
    });
  }

  // 4. <split>_features.h5 with the built-in CNN (or the given extractor).
  let extractor = options.extractor;
  const ownExtractor = extractor === undefined;
  extractor ??= await createBuiltinExtractor(options.featureImageSize);
  const imageSize = options.featureImageSize ?? extractorInputSize(extractor);
  try {
    for (const { split } of preset.splits) {
      const f = files[split];
      const step = `features:${split}`;
      const prev = manifest.steps[step] as { extractor?: string } | undefined;
      if (done(step, [f.featuresH5]) && prev?.extractor === extractor.name) continue;
      const res = await extractFeatures(
        {
          imageDir: f.imageDir,
          outputH5: f.featuresH5,
          imageHeight: imageSize.height,
          imageWidth: imageSize.width,
          batchSize: preset.featureBatchSize,
        },
        extractor,
        {
          onProgress:
            options.onProgress && ((p) => options.onProgress?.({ ...p, phase: `features ${split}` })),
          signal: options.signal,
        },
      );
      await record(step, { extractor: extractor.name, shape: res.shape });
    }
  } finally {
    if (ownExtractor) extractor.dispose?.();
  }

  const [oh, ow, oc] = extractor.outputShape;
  return {
    name: preset.name,
    dir,
    vocabJson,
    splits: Object.fromEntries(
      preset.splits.map(({ split }) => {
        const info = manifest.steps[`generate:${split}`] as { images: number; questions: number };
        return [split, { ...files[split], images: info.images, questions: info.questions }];
      }),
    ),
    featureShape: [oc, oh, ow],
    extractor: extractor.name,
    ranSteps,
  };
}

/** The input size an extractor was built for: the built-in CNN's, else CLEVR's reference 224x224. */
export function extractorInputSize(extractor: FeatureExtractor): { height: number; width: number } {
  const meta = (extractor as { metadata?: { config?: { inputHeight: number; inputWidth: number } } })
    .metadata;
  return meta?.config
    ? { height: meta.config.inputHeight, width: meta.config.inputWidth }
    : { height: 224, width: 224 };
}
