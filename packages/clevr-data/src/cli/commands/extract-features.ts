import { BackendNameSchema, initBackend, prepareOutputFile } from '@mmnet/core-tensors';
import { z } from 'zod';
import { extractFeatures } from '../../features/extract-features.js';
import { createRegisteredExtractor, type FeatureExtractor } from '../../features/feature-extractor.js';
import { parseFeatureShard } from '../../features/feature-shards.js';
import { pixelNormalizationSchema } from '../../features/pixel-normalization.js';
import { rawPixelsExtractor } from '../../features/raw-pixels.js';
import { loadTorchResNetExtractor } from '../../features/torch-resnet.js';
import { DEFAULT_INPUT_LIMITS, LIMIT_FLAGS } from '../../limits/input-limits.js';
import { defineCommand } from '../command.js';
import { type FlagSpecs, flagPositiveInt, flagSwitch, UsageError } from '../flags.js';

const flags: FlagSpecs = {
  input_image_dir: {
    type: 'string',
    description: 'folder of PNG images (e.g. CLEVR_v1.0/images/val)',
    required: true,
  },
  output_h5_file: {
    type: 'string',
    description: 'HDF5 file receiving features [N, C, H, W] float32',
    required: true,
  },
  image_height: {
    type: 'string',
    description: 'images are resized (bilinear) to this height',
    default: '224',
  },
  image_width: { type: 'string', description: 'images are resized (bilinear) to this width', default: '224' },
  extractor: { type: 'string', description: 'raw, builtin, tfjs-model or resnet101', default: 'raw' },
  weights: {
    type: 'string',
    description: "resnet101: torchvision's ResNet weights (.pth), read without Python; features = layer3",
  },
  model_path: {
    type: 'string',
    description:
      'tfjs model.json (tfjs-model), or weights file of the built-in CNN (builtin; default: shipped)',
  },
  output_node: { type: 'string', description: 'graph node or layer whose output is taken (tfjs-model)' },
  normalization: {
    type: 'string',
    description: 'tfjs-model input: imagenet, unit, symmetric or byte',
    default: 'imagenet',
  },
  raw_grid: { type: 'string', description: 'raw extractor: output grid size', default: '14' },
  raw_position_channels: {
    type: 'string',
    description: 'raw extractor: add x/y channels (0/1)',
    default: '0',
  },
  batch_size: { type: 'string', description: 'images per batch', default: '32' },
  max_images: { type: 'string', description: 'only the first N images (name order)' },
  shard: {
    type: 'string',
    description:
      'i/n: only shard i of n (0 <= i < n), its contiguous range of the images, into its own file (join them with merge-features)',
  },
  restart: {
    type: 'string',
    description: 'ignore a partial file from an interrupted run (0/1)',
    default: '0',
  },
  backend: { type: 'string', description: 'tfjs backend: tensorflow, wasm or cpu (default: best available)' },
  max_image_size: {
    type: 'string',
    description: 'largest --image_height or --image_width accepted',
    default: String(DEFAULT_INPUT_LIMITS.maxImageSize),
  },
};

const schema = z
  .object({
    input_image_dir: z.string().min(1),
    output_h5_file: z.string().min(1),
    image_height: flagPositiveInt.default(224),
    image_width: flagPositiveInt.default(224),
    extractor: z
      .enum(['raw', 'builtin', 'tfjs-model', 'resnet101'], {
        message: 'expected raw, builtin, tfjs-model or resnet101',
      })
      .default('raw'),
    model_path: z.string().min(1).optional(),
    weights: z.string().min(1).optional(),
    output_node: z.string().min(1).optional(),
    normalization: pixelNormalizationSchema.default('imagenet'),
    raw_grid: flagPositiveInt.default(14),
    raw_position_channels: flagSwitch.default(false),
    batch_size: flagPositiveInt.default(32),
    max_images: flagPositiveInt.optional(),
    shard: z
      .string()
      .transform((text, ctx) => {
        try {
          return parseFeatureShard(text);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
          return z.NEVER;
        }
      })
      .optional(),
    restart: flagSwitch.default(false),
    backend: BackendNameSchema.optional(),
    max_image_size: flagPositiveInt.default(DEFAULT_INPUT_LIMITS.maxImageSize),
  })
  .superRefine((f, ctx) => {
    for (const key of ['image_height', 'image_width'] as const) {
      if (f[key] > f.max_image_size)
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `${f[key]} is over the limit of ${f.max_image_size} (raise it with ${LIMIT_FLAGS.maxImageSize})`,
        });
    }
  })
  .refine((f) => f.extractor !== 'tfjs-model' || f.model_path !== undefined, {
    message: 'the tfjs-model extractor needs --model_path',
    path: ['model_path'],
  })
  .refine((f) => f.extractor !== 'resnet101' || f.weights !== undefined, {
    message: "the resnet101 extractor needs --weights (torchvision's resnet101 .pth)",
    path: ['weights'],
  });

async function makeExtractor(f: z.output<typeof schema>): Promise<FeatureExtractor> {
  const input = { height: f.image_height, width: f.image_width };
  switch (f.extractor) {
    case 'raw':
      try {
        return rawPixelsExtractor(input, { grid: f.raw_grid, positionChannels: f.raw_position_channels });
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
    case 'tfjs-model':
      return createRegisteredExtractor('tfjs-model', input, {
        modelPath: f.model_path,
        outputNode: f.output_node,
        normalization: f.normalization,
      });
    case 'resnet101':
      return loadTorchResNetExtractor(input, f.weights!);
    case 'builtin':
      // The project's CNN; `--model_path` names other weights than the committed ones.
      return createRegisteredExtractor('builtin', input, { modelPath: f.model_path });
  }
}

export const extractFeaturesCommand = defineCommand({
  name: 'extract-features',
  summary:
    'Extract image features in batches into an HDF5 file (dataset "features" [N, C, H, W] float32, row i = i-th PNG in name order). Resumable: after an interruption, run the same command again.',
  usage:
    'mmnet-data extract-features --input_image_dir <dir> --output_h5_file <file> [--extractor raw|builtin|tfjs-model|resnet101] [--shard i/n]',
  flags,
  schema,
  async run(f, io, task) {
    prepareOutputFile(f.output_h5_file, '--output_h5_file');
    await initBackend({ prefer: f.backend, log: io.err });
    const extractor = await makeExtractor(f);
    try {
      const res = await extractFeatures(
        {
          imageDir: f.input_image_dir,
          outputH5: f.output_h5_file,
          imageHeight: f.image_height,
          imageWidth: f.image_width,
          batchSize: f.batch_size,
          maxImages: f.max_images,
          resume: !f.restart,
          shard: f.shard,
        },
        extractor,
        task,
      );
      io.out(
        `${res.outputH5}: features [${res.shape.join(', ')}] from ${extractor.name}` +
          (f.shard ? ` (shard ${f.shard.index}/${f.shard.count})` : '') +
          (res.resumedFrom > 0 ? ` (resumed at image ${res.resumedFrom})` : ''),
      );
    } finally {
      extractor.dispose?.();
    }
    return 0;
  },
});
