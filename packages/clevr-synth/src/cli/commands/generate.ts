import { DEFAULT_INPUT_LIMITS, defineCommand } from '@mmnet/clevr-data';
import { flagInt, flagSwitch, prepareOutputDir } from '@mmnet/core-tensors';
import { z } from 'zod';
import { generateClevrSplit } from '../../dataset/generate-split.js';

const schema = z.object({
  output_dir: z.string().min(1).meta({ description: 'receives images/<split>/, scenes/ and questions/' }),
  num_images: flagInt(1).meta({ description: 'number of images (scenes)' }),
  split: z
    .string()
    .regex(/^[A-Za-z0-9]+$/, 'letters and digits only')
    .default('train')
    .meta({ description: 'split name used in file names' }),
  start_index: flagInt(0).default(0).meta({ description: 'index of the first image' }),
  seed: flagInt().default(0).meta({ description: 'seed of scenes and questions' }),
  width: flagInt(1).default(480).meta({ description: 'image width' }),
  height: flagInt(1).default(320).meta({ description: 'image height' }),
  antialias: flagSwitch().default(true).meta({ description: 'antialiased silhouettes' }),
  shadows: flagSwitch().default(true).meta({ description: 'soft shadows' }),
  templates_per_image: flagInt(1).default(10).meta({ description: 'templates giving questions per image' }),
  template_dir: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'folder of CLEVR template files', default: 'shipped templates' }),
  render_images: flagSwitch().default(true).meta({ description: 'write the PNG images' }),
  date: z.string().optional().meta({ description: 'date recorded in the files', default: 'today' }),
  max_image_size: flagInt(1)
    .default(DEFAULT_INPUT_LIMITS.maxImageSize)
    .meta({ description: 'largest --width or --height accepted' }),
});

export const generateCommand = defineCommand({
  name: 'generate',
  summary:
    'Generate a synthetic CLEVR split in the official layout: seeded scenes, rendered PNGs and template questions. Rerunning after an interruption reuses the images already written.',
  usage: 'mmnet-data generate --output_dir <dir> --num_images <n> [--split train] [--seed 0]',
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
