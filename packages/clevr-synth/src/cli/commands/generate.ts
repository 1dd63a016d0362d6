import {
  DEFAULT_INPUT_LIMITS,
  defineCommand,
  type FlagSpecs,
  flagInt,
  flagNonNegativeInt,
  flagPositiveInt,
  flagSwitch,
} from '@mmnet/clevr-data';
import { prepareOutputDir } from '@mmnet/core-tensors';
import { z } from 'zod';
import { generateClevrSplit } from '../../dataset/generate-split.js';

const flags: FlagSpecs = {
  output_dir: {
    type: 'string',
    description: 'receives images/<split>/, scenes/ and questions/',
    required: true,
  },
  num_images: { type: 'string', description: 'number of images (scenes)', required: true },
  split: { type: 'string', description: 'split name used in file names', default: 'train' },
  start_index: { type: 'string', description: 'index of the first image', default: '0' },
  seed: { type: 'string', description: 'seed of scenes and questions', default: '0' },
  width: { type: 'string', description: 'image width', default: '480' },
  height: { type: 'string', description: 'image height', default: '320' },
  antialias: { type: 'string', description: 'antialiased silhouettes (0/1)', default: '1' },
  shadows: { type: 'string', description: 'soft shadows (0/1)', default: '1' },
  templates_per_image: { type: 'string', description: 'templates giving questions per image', default: '10' },
  template_dir: {
    type: 'string',
    description: 'folder of CLEVR template files (default: shipped templates)',
  },
  render_images: { type: 'string', description: 'write the PNG images (0/1)', default: '1' },
  date: { type: 'string', description: 'date recorded in the files (default: today)' },
  max_image_size: {
    type: 'string',
    description: 'largest --width or --height accepted',
    default: String(DEFAULT_INPUT_LIMITS.maxImageSize),
  },
};

const schema = z.object({
  output_dir: z.string().min(1),
  num_images: flagPositiveInt,
  split: z
    .string()
    .regex(/^[A-Za-z0-9]+$/, 'letters and digits only')
    .default('train'),
  start_index: flagNonNegativeInt.default(0),
  seed: flagInt.default(0),
  width: flagPositiveInt.default(480),
  height: flagPositiveInt.default(320),
  antialias: flagSwitch.default(true),
  shadows: flagSwitch.default(true),
  templates_per_image: flagPositiveInt.default(10),
  template_dir: z.string().min(1).optional(),
  render_images: flagSwitch.default(true),
  date: z.string().optional(),
  max_image_size: flagPositiveInt.default(DEFAULT_INPUT_LIMITS.maxImageSize),
});

export const generateCommand = defineCommand({
  name: 'generate',
  summary:
    'Generate a synthetic CLEVR split in the official layout: seeded scenes, rendered PNGs and template questions. Rerunning after an interruption reuses the images already written.',
  usage: 'mmnet-data generate --output_dir <dir> --num_images <n> [--split train] [--seed 0]',
  flags,
  schema,
  async run(f, io, task) {
    prepareOutputDir(f.output_dir, '--output_dir');
    const res = await generateClevrSplit(
      {
        outputDir: f.output_dir,
        split: f.split,
        numImages: f.num_images,
        startIndex: f.start_index,
        seed: f.seed,
        width: f.width,
        height: f.height,
        antialias: f.antialias,
        shadows: f.shadows,
        templatesPerImage: f.templates_per_image,
        templateDir: f.template_dir,
        renderImages: f.render_images,
        date: f.date ?? new Date().toISOString().slice(0, 10),
        maxImageSize: f.max_image_size,
      },
      task,
    );
    io.out(
      `${f.output_dir}: ${res.images} images${res.imagesReused ? ` (${res.imagesReused} reused)` : ''}, ${res.questions} questions -> ${res.questionsFile}`,
    );
    return 0;
  },
});
