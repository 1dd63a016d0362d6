import { z } from 'zod';

/** One named dataset: synthetic splits generated with a fixed seed, then preprocessed and featurised. */
export const presetDefinitionSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9-]+$/),
    description: z.string(),
    /** The preset's base seed (each split's generator seed is given with the split). */
    seed: z.number().int(),
    /** Rendered image size (CLEVR: 480x320). */
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    /**
     * The splits, each with its own generator seed: splits generated from one seed would share their scenes
     * and questions (scene i and its questions depend only on the seed and i), so val would repeat train.
     */
    splits: z
      .array(
        z.object({
          split: z.string().regex(/^[A-Za-z0-9]+$/),
          images: z.number().int().positive(),
          seed: z.number().int(),
          /** Questions per image (templates that must give a question, as CLEVR's generator). */
          questionsPerImage: z.number().int().positive(),
        }),
      )
      .min(1)
      .refine((splits) => new Set(splits.map((s) => s.seed)).size === splits.length, {
        message: 'every split needs its own seed (splits with one seed share their scenes)',
      }),
    /** Date recorded in the JSON files' info (fixed, so the files are byte-identical across runs). */
    date: z.string(),
    /** Images per feature-extraction batch. */
    featureBatchSize: z.number().int().positive(),
  })
  .strict();
export type PresetDefinition = z.output<typeof presetDefinitionSchema>;

/**
 * The named presets. The first split builds the vocabulary. `clevr-mini`: a CPU-sized CLEVR (480x320 like
 * CLEVR, 2,000 train images with 40 questions each (80,000 questions: with 10 per image, as CLEVR has, a model
 * memorises 20,000 questions before it generalises) + 400 val images with 10 each). `clevr-small`: twice
 * clevr-mini's training images (30 questions each) plus a
 * held-out test split, for the experiments (examples/experiments). `clevr-medium`: 20,000 train images with CLEVR's 10
 * questions each, for modules that memorise a few thousand images (the reference's residual modules). `clevr-micro`: a seconds-sized one for tests and smoke runs
 * (small images: the extractor resizes to its 224x224 input anyway).
 */
export const PRESETS: Readonly<Record<string, PresetDefinition>> = {
  'clevr-mini': preset(
    'clevr-mini',
    'synthetic CLEVR, 480x320, 2,000 train images (40 questions each) + 400 val images (10 each), built-in CNN features',
    20240601,
    [
      ['train', 2000, 40],
      ['val', 400, 10],
    ],
  ),
  'clevr-small': preset(
    'clevr-small',
    'synthetic CLEVR for the experiments, 480x320, 4,000 train images (30 questions each) + 500 val + 500 test images (10 each), built-in CNN features',
    20240603,
    [
      ['train', 4000, 30],
      ['val', 500, 10],
      ['test', 500, 10],
    ],
  ),
  'clevr-medium': preset(
    'clevr-medium',
    'synthetic CLEVR, 480x320, 20,000 train images (10 questions each) + 1,000 val + 1,000 test images (10 each), built-in CNN features',
    20240604,
    [
      ['train', 20000, 10],
      ['val', 1000, 10],
      ['test', 1000, 10],
    ],
  ),
  'clevr-micro': preset(
    'clevr-micro',
    'tiny synthetic CLEVR for tests, 120x80, 40 train + 10 val images, 10 questions each',
    20240602,
    [
      ['train', 40, 10],
      ['val', 10, 10],
    ],
    { width: 120, height: 80, featureBatchSize: 25 },
  ),
};

/**
 * A preset whose split k (train, val, test: [split, images, questions per image]) has the generator seed
 * `seed + 10 k`; 480x320 images (CLEVR's) and feature batches of 32 unless `options` says otherwise.
 */
function preset(
  name: string,
  description: string,
  seed: number,
  splits: readonly (readonly [split: string, images: number, questionsPerImage: number])[],
  options: Partial<Pick<PresetDefinition, 'width' | 'height' | 'featureBatchSize'>> = {},
): PresetDefinition {
  const { width = 480, height = 320, featureBatchSize = 32 } = options;
  return {
    name,
    description,
    seed,
    width,
    height,
    splits: splits.map(([split, images, questionsPerImage], k) => ({
      split,
      images,
      seed: seed + 10 * k,
      questionsPerImage,
    })),
    date: '2024-06-01',
    featureBatchSize,
  };
}

export function presetNames(): string[] {
  return Object.keys(PRESETS).sort();
}

/** The definition of a named preset, or an error listing the names. */
export function getPreset(name: string): PresetDefinition {
  const preset = PRESETS[name];
  if (!preset) throw new Error(`unknown dataset preset "${name}" (presets: ${presetNames().join(', ')})`);
  return presetDefinitionSchema.parse(preset);
}
