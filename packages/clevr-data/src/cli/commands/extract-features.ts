import {
  backendFlag,
  flagInt,
  flagSwitch,
  initBackend,
  prepareOutputFile,
  UsageError,
} from '@mmnet/core-tensors';
import { z } from 'zod';
import { extractFeatures } from '../../features/extract-features.js';
import { createRegisteredExtractor, type FeatureExtractor } from '../../features/feature-extractor.js';
import { pixelNormalizationSchema } from '../../features/pixel-normalization.js';
import { rawPixelsExtractor } from '../../features/raw-pixels.js';
import { loadTorchResNetExtractor } from '../../features/torch-resnet.js';
import { DEFAULT_INPUT_LIMITS, LIMIT_FLAGS } from '../../limits/input-limits.js';
import { shardFlag } from '../../shards/shards.js';
import { defineCommand } from '../command.js';

const schema = z
  .object({
    input_image_dir: z
      .string()
      .min(1)
      .meta({ description: 'folder of PNG images (e.g. CLEVR_v1.0/images/val)' }),
    output_h5_file: z
      .string()
      .min(1)
      .meta({ description: 'HDF5 file receiving features [N, C, H, W] float32' }),
    image_height: flagInt(1)
      .default(224)
      .meta({ description: 'images are resized to this height (bilinear; resnet101: bicubic as clevr-iep)' }),
    image_width: flagInt(1)
      .default(224)
      .meta({ description: 'images are resized to this width (bilinear; resnet101: bicubic as clevr-iep)' }),
    extractor: z
      .enum(['raw', 'builtin', 'tfjs-model', 'resnet101'], {
        message: 'expected raw, builtin, tfjs-model or resnet101',
      })
      .default('raw')
      .meta({ description: 'feature extractor' }),
    weights: z.string().min(1).optional().meta({
      description: "resnet101: torchvision's ResNet weights (.pth), read without Python; features = layer3",
    }),
    model_path: z.string().min(1).optional().meta({
      description:
        'tfjs model.json (tfjs-model), or weights file of the built-in CNN (builtin; default: shipped)',
    }),
    output_node: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'graph node or layer whose output is taken (tfjs-model)' }),
    normalization: pixelNormalizationSchema.default('imagenet').meta({ description: 'tfjs-model input' }),
    raw_grid: flagInt(1).default(14).meta({ description: 'raw extractor: output grid size' }),
    raw_position_channels: flagSwitch()
      .default(false)
      .meta({ description: 'raw extractor: add x/y channels' }),
    batch_size: flagInt(1).default(32).meta({ description: 'images per batch' }),
    max_images: flagInt(1).optional().meta({ description: 'only the first N images (name order)' }),
    shard: shardFlag.optional().meta({
      description:
        'i/n: only shard i of n (0 <= i < n), its contiguous range of the images, into its own file (join them with merge-features)',
      value: 'i/n',
    }),
    restart: flagSwitch()
      .default(false)
      .meta({ description: 'ignore a partial file from an interrupted run' }),
    backend: backendFlag(),
    max_image_size: flagInt(1)
      .default(DEFAULT_INPUT_LIMITS.maxImageSize)
      .meta({ description: 'largest --image_height or --image_width accepted' }),
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
