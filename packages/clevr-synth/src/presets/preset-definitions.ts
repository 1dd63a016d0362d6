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
  'clevr-mini': {
    name: 'clevr-mini',
    description:
      'synthetic CLEVR, 480x320, 2,000 train images (40 questions each) + 400 val images (10 each), built-in CNN features',
    seed: 20240601,
    width: 480,
    height: 320,
    splits: [
      { split: 'train', images: 2000, seed: 20240601, questionsPerImage: 40 },
      { split: 'val', images: 400, seed: 20240611, questionsPerImage: 10 },
    ],
    date: '2024-06-01',
    featureBatchSize: 32,
  },
  'clevr-small': {
    name: 'clevr-small',
    description:
      'synthetic CLEVR for the experiments, 480x320, 4,000 train images (30 questions each) + 500 val + 500 test images (10 each), built-in CNN features',
    seed: 20240603,
    width: 480,
    height: 320,
    splits: [
      { split: 'train', images: 4000, seed: 20240603, questionsPerImage: 30 },
      { split: 'val', images: 500, seed: 20240613, questionsPerImage: 10 },
      { split: 'test', images: 500, seed: 20240623, questionsPerImage: 10 },
    ],
    date: '2024-06-01',
    featureBatchSize: 32,
  },
  'clevr-medium': {
    name: 'clevr-medium',
    description:
      'synthetic CLEVR, 480x320, 20,000 train images (10 questions each) + 1,000 val + 1,000 test images (10 each), built-in CNN features',
    seed: 20240604,
    width: 480,
    height: 320,
    splits: [
      { split: 'train', images: 20000, seed: 20240604, questionsPerImage: 10 },
      { split: 'val', images: 1000, seed: 20240614, questionsPerImage: 10 },
      { split: 'test', images: 1000, seed: 20240624, questionsPerImage: 10 },
    ],
    date: '2024-06-01',
    featureBatchSize: 32,
  },
  'clevr-micro': {
    name: 'clevr-micro',
    description: 'tiny synthetic CLEVR for tests, 120x80, 40 train + 10 val images, 10 questions each',
    seed: 20240602,
    width: 120,
    height: 80,
    splits: [
      { split: 'train', images: 40, seed: 20240602, questionsPerImage: 10 },
      { split: 'val', images: 10, seed: 20240612, questionsPerImage: 10 },
    ],
    date: '2024-06-01',
    featureBatchSize: 25,
  },
};

export function presetNames(): string[] {
  return Object.keys(PRESETS).sort();
}

/** The definition of a named preset, or an error listing the names. */
export function getPreset(name: string): PresetDefinition {
  const preset = PRESETS[name];
  if (!preset) throw new Error(`unknown dataset preset "${name}" (presets: ${presetNames().join(', ')})`);
  return presetDefinitionSchema.parse(preset);
}
