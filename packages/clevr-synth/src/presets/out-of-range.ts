import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FeatureExtractor, ProgressCallback, Question } from '@mmnet/clevr-data';
import {
  extractFeatures,
  preprocessQuestions,
  programTokens,
  QUESTION_TOKENIZE,
  tokenize,
} from '@mmnet/clevr-data';
import { writeFileAtomicAsync } from '@mmnet/core-tensors';
import { type Vocab, vocabFromJson } from '@mmnet/programs';
import { createBuiltinExtractor } from '../builtin-extractor/create-builtin-extractor.js';
import { generateClevrSplit } from '../dataset/generate-split.js';
import type { RenderStyle } from '../render/style.js';
import type { SceneSamplerOptions } from '../scene/sample-scene.js';
import { extractorInputSize, readQuestions } from './build-preset.js';

/**
 * A way of rendering val scenes outside the ranges every preset trains on. Those ranges are CLEVR's
 * (render_images.py): 3-10 objects, camera location jittered by at most 0.5 per axis, lamps by at most 1.0,
 * the renderer's fixed look (`DEFAULT_RENDER_STYLE`, exposure 1) and 480x320 images (3:2; clevr-micro 120x80).
 */
export interface OutOfRangeVariant {
  name: string;
  /** What is outside the training ranges, and by how much. */
  description: string;
  width: number;
  height: number;
  sampler: SceneSamplerOptions;
  style?: Partial<RenderStyle>;
  /** Generator seed (no preset uses it, so no scene repeats a training or val scene). */
  seed: number;
}

const CAMERA: SceneSamplerOptions = { cameraJitter: 1.5, cameraJitterMin: 0.75 };
const LIGHTS: SceneSamplerOptions = { lightJitter: 3, lightJitterMin: 1.5 };
/**
 * 11-12 objects, each showing at least 100 pixels at 480x320 (CLEVR: 200), at least 0.3 apart along left/right and
 * front/behind (CLEVR: 0.4): with CLEVR's limits some cameras leave no placement of 12 objects in 10,000 tries.
 */
const OBJECTS: SceneSamplerOptions = { minObjects: 11, maxObjects: 12, minPixelsPerObject: 100, margin: 0.3 };
/** 320x240: the visibility check at the image's own size, with CLEVR's 200 pixels scaled to its area. */
const SIZE_4_3 = { width: 320, height: 240 };
const SIZE_4_3_SAMPLER: SceneSamplerOptions = {
  visibilityWidth: 320,
  visibilityHeight: 240,
  minPixelsPerObject: 100,
};
const DIM: Partial<RenderStyle> = { exposure: 0.6 };
const LOOK: Partial<RenderStyle> = {
  groundAlbedo: 0.3,
  objectLightScale: 1.2,
  metalShininess: 60,
  metalSpecular: 8,
  rubberSpecular: 0.25,
  rubberShininess: 4,
};

/** The built-in out-of-range variants, one shift each, then all of them at once. */
export const OUT_OF_RANGE_VARIANTS: Readonly<Record<string, OutOfRangeVariant>> = {
  camera: {
    name: 'camera',
    description:
      'camera location moved by 0.75-1.5 per axis (training: at most 0.5): lower, higher, nearer or farther views',
    width: 480,
    height: 320,
    sampler: CAMERA,
    seed: 20240701,
  },
  lighting: {
    name: 'lighting',
    description:
      'lamps moved by 1.5-3 per axis (training: at most 1) and exposure 0.6 (training: 1): other shadows and highlights, darker images',
    width: 480,
    height: 320,
    sampler: LIGHTS,
    style: DIM,
    seed: 20240702,
  },
  objects: {
    name: 'objects',
    description:
      '11-12 objects per scene (training: 3-10), each showing at least 100 pixels (training: 200) and 0.3 apart along each direction (training: 0.4): crowded scenes, more occlusion',
    width: 480,
    height: 320,
    sampler: OBJECTS,
    seed: 20240703,
  },
  'image-size': {
    name: 'image-size',
    description:
      "320x240 (4:3, CLEVR's other render size; training: 480x320, 3:2): a wider vertical view, objects squeezed differently into the extractor's 224x224",
    ...SIZE_4_3,
    sampler: SIZE_4_3_SAMPLER,
    seed: 20240704,
  },
  look: {
    name: 'look',
    description:
      'another material and ground look (training: one fixed look): darker ground (albedo 0.3 for 0.5), weaker lamps on objects, broad dull metal highlights, shinier rubber',
    width: 480,
    height: 320,
    sampler: {},
    style: LOOK,
    seed: 20240705,
  },
  all: {
    name: 'all',
    description:
      'every shift above at once: camera, lamps and exposure, 11-12 objects, 320x240, the other look',
    ...SIZE_4_3,
    sampler: { ...CAMERA, ...LIGHTS, ...OBJECTS, ...SIZE_4_3_SAMPLER, minPixelsPerObject: 50 },
    style: { ...DIM, ...LOOK },
    seed: 20240706,
  },
};

export function outOfRangeVariantNames(): string[] {
  return Object.keys(OUT_OF_RANGE_VARIANTS);
}

/** A built-in variant by name, or an error listing the names. */
export function getOutOfRangeVariant(name: string): OutOfRangeVariant {
  const variant = OUT_OF_RANGE_VARIANTS[name];
  if (!variant)
    throw new Error(
      `unknown out-of-range variant "${name}" (variants: ${outOfRangeVariantNames().join(', ')})`,
    );
  return variant;
}

/** Questions split by whether a vocabulary encodes them (every word, program token and the answer known). */
export interface VocabSplit {
  kept: Question[];
  /** Questions left out, by the first part the vocabulary lacks. */
  dropped: { words: number; program: number; answer: number };
  /** Tokens that made them be left out, with counts. */
  unknownTokens: Record<string, number>;
}

/**
 * The questions that a model trained with `vocab` can be asked and can answer: scenes outside the training
 * ranges can have answers it never saw (11 or 12 objects), which no output of the model stands for.
 */
export function questionsInVocab(questions: readonly Question[], vocab: Vocab): VocabSplit {
  const split: VocabSplit = { kept: [], dropped: { words: 0, program: 0, answer: 0 }, unknownTokens: {} };
  const note = (part: keyof VocabSplit['dropped'], token: string) => {
    split.dropped[part]++;
    split.unknownTokens[token] = (split.unknownTokens[token] ?? 0) + 1;
  };
  for (const [i, q] of questions.entries()) {
    const word = tokenize(q.question, QUESTION_TOKENIZE).find((w) => !(w in vocab.question_token_to_idx));
    if (word !== undefined) {
      note('words', word);
      continue;
    }
    const step = (programTokens(q, 'prefix', i) ?? []).find((t) => !(t in vocab.program_token_to_idx));
    if (step !== undefined) {
      note('program', step);
      continue;
    }
    if (q.answer !== undefined && !(q.answer in vocab.answer_token_to_idx)) {
      note('answer', q.answer);
      continue;
    }
    split.kept.push(q);
  }
  return split;
}

export interface BuildOutOfRangeOptions {
  /** The vocabulary of the dataset the model trained on (copied into the folder; questions are encoded with it). */
  vocabJson: string;
  /** Scenes to render (default 200). */
  images?: number;
  /** Templates that must give a question per image (default 10, as CLEVR's val). */
  questionsPerImage?: number;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  /** Feature extractor (default: the built-in CNN with the committed weights). */
  extractor?: FeatureExtractor;
}

/** What `buildOutOfRangeSet` returns: a dataset folder that `mmnet eval --clevr_dataset DIR` reads as its val split. */
export interface OutOfRangeSetFiles {
  variant: OutOfRangeVariant;
  dir: string;
  /** A copy of the training vocabulary. */
  vocabJson: string;
  imageDir: string;
  scenesJson: string;
  /** Every generated question (CLEVR format). */
  allQuestionsJson: string;
  /** The questions the training vocabulary encodes, as evaluated (CLEVR format, for batch predict). */
  questionsJson: string;
  questionsH5: string;
  featuresH5: string;
  images: number;
  /** Generated questions and those kept (see `VocabSplit`). */
  generated: number;
  questions: number;
  dropped: VocabSplit['dropped'];
  unknownTokens: Record<string, number>;
  featureShape: [number, number, number];
  extractor: string;
  ranSteps: string[];
}

/** `dir/out-of-range.json`: what the folder was built with and the steps done. */
interface OutOfRangeManifest {
  build: { variant: OutOfRangeVariant; images: number; questionsPerImage: number };
  steps: Record<string, Record<string, unknown>>;
}

const MANIFEST = 'out-of-range.json';

async function readManifest(dir: string, build: OutOfRangeManifest['build']): Promise<OutOfRangeManifest> {
  const file = join(dir, MANIFEST);
  if (!existsSync(file)) return { build, steps: {} };
  let manifest: OutOfRangeManifest;
  try {
    manifest = JSON.parse(await readFile(file, 'utf8')) as OutOfRangeManifest;
  } catch (err) {
    throw new Error(`${file}: cannot read (${(err as Error).message})`);
  }
  if (typeof manifest?.steps !== 'object' || manifest.steps === null)
    throw new Error(`${file}: not an out-of-range manifest (no "steps")`);
  if (JSON.stringify(manifest.build) !== JSON.stringify(build))
    throw new Error(
      `${file}: this folder holds out-of-range set "${manifest.build?.variant?.name ?? 'unknown'}" built with other settings than "${build.variant.name}" (${build.images} images); use another folder or delete it`,
    );
  return manifest;
}

/**
 * Builds (or completes) the out-of-range val set `variant` in `dir`, for a model trained with the vocabulary
 * `vocabJson`: `images/val/*.png`, scenes and questions (the package's templates, as every preset) rendered with
 * the variant's settings, a copy of the vocabulary, `val_questions.json` (the questions that vocabulary
 * encodes), `val_questions.h5` and `val_features.h5` (the built-in CNN, as the presets), so that
 * `mmnet eval --run RUN --clevr_dataset DIR` evaluates on it. Steps are recorded in `dir/out-of-range.json` and
 * skipped when done; another vocabulary redoes only the question files, another extractor only the features.
 * Initialise the tfjs backend first (`initBackend()` from core-tensors).
 */
export async function buildOutOfRangeSet(
  variantName: string,
  dir: string,
  options: BuildOutOfRangeOptions,
): Promise<OutOfRangeSetFiles> {
  const variant = getOutOfRangeVariant(variantName);
  const images = options.images ?? 200;
  const questionsPerImage = options.questionsPerImage ?? 10;
  let vocabText: string;
  try {
    vocabText = await readFile(options.vocabJson, 'utf8');
  } catch (err) {
    throw new Error(`${options.vocabJson}: cannot read the training vocabulary (${(err as Error).message})`);
  }
  const vocab: Vocab = vocabFromJson(vocabText, options.vocabJson);
  const vocabHash = createHash('sha256').update(vocabText).digest('hex').slice(0, 16);
  const manifest = await readManifest(dir, { variant, images, questionsPerImage });
  const ranSteps: string[] = [];
  const done = (
    step: string,
    files: string[],
    same: (info: Record<string, unknown>) => boolean = () => true,
  ) => manifest.steps[step] !== undefined && same(manifest.steps[step]) && files.every((f) => existsSync(f));
  const record = async (step: string, info: Record<string, unknown>) => {
    manifest.steps[step] = info;
    ranSteps.push(step);
    await writeFileAtomicAsync(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  };
  const files = {
    vocabJson: join(dir, 'vocab.json'),
    imageDir: join(dir, 'images', 'val'),
    scenesJson: join(dir, 'scenes', 'CLEVR_val_scenes.json'),
    allQuestionsJson: join(dir, 'questions', 'CLEVR_val_questions.json'),
    questionsJson: join(dir, 'val_questions.json'),
    questionsH5: join(dir, 'val_questions.h5'),
    featuresH5: join(dir, 'val_features.h5'),
  };

  if (!done('generate', [files.scenesJson, files.allQuestionsJson, files.imageDir])) {
    const res = await generateClevrSplit(
      {
        outputDir: dir,
        split: 'val',
        numImages: images,
        seed: variant.seed,
        width: variant.width,
        height: variant.height,
        templatesPerImage: questionsPerImage,
        sampler: variant.sampler,
        style: variant.style,
        date: '2024-07-01',
      },
      { onProgress: options.onProgress, signal: options.signal },
    );
    await record('generate', { images: res.images, questions: res.questions });
  }

  const sameVocab = (info: Record<string, unknown>) => info.vocab === vocabHash;
  if (!done('questions', [files.vocabJson, files.questionsJson, files.questionsH5], sameVocab)) {
    const split = questionsInVocab(await readQuestions(files.allQuestionsJson), vocab);
    if (split.kept.length === 0)
      throw new Error(`${files.allQuestionsJson}: no question is encodable with ${options.vocabJson}`);
    await writeFileAtomicAsync(files.vocabJson, vocabText);
    await writeFileAtomicAsync(
      files.questionsJson,
      JSON.stringify({ info: { split: 'val', variant: variant.name }, questions: split.kept }),
    );
    await preprocessQuestions(
      {
        inputQuestionsJson: files.questionsJson,
        inputVocabJson: files.vocabJson,
        outputH5File: files.questionsH5,
      },
      { onProgress: options.onProgress, signal: options.signal },
    );
    await record('questions', {
      vocab: vocabHash,
      generated: (manifest.steps.generate as { questions: number }).questions,
      kept: split.kept.length,
      dropped: split.dropped,
      unknownTokens: split.unknownTokens,
    });
  }

  let extractor = options.extractor;
  const ownExtractor = extractor === undefined;
  extractor ??= await createBuiltinExtractor();
  try {
    const name = extractor.name;
    if (!done('features', [files.featuresH5], (info) => info.extractor === name)) {
      const size = extractorInputSize(extractor);
      const res = await extractFeatures(
        {
          imageDir: files.imageDir,
          outputH5: files.featuresH5,
          imageHeight: size.height,
          imageWidth: size.width,
          batchSize: 25,
        },
        extractor,
        {
          onProgress: options.onProgress && ((p) => options.onProgress?.({ ...p, phase: 'features' })),
          signal: options.signal,
        },
      );
      await record('features', { extractor: name, shape: res.shape });
    }
  } finally {
    if (ownExtractor) extractor.dispose?.();
  }

  const [oh, ow, oc] = extractor.outputShape;
  const q = manifest.steps.questions as {
    generated: number;
    kept: number;
    dropped: VocabSplit['dropped'];
    unknownTokens: Record<string, number>;
  };
  return {
    variant,
    dir,
    ...files,
    images: (manifest.steps.generate as { images: number }).images,
    generated: q.generated,
    questions: q.kept,
    dropped: q.dropped,
    unknownTokens: q.unknownTokens,
    featureShape: [oc, oh, ow],
    extractor: extractor.name,
    ranSteps,
  };
}
