import { tf } from '@mmnet/core-tensors';
import { z } from 'zod';
import { FeaturesH5Writer, nhwcToNchw } from '../h5/features-h5.js';
import type { ProgressCallback } from '../io/progress.js';
import { imageListDigest, shardMeta, shardRange, shardSchema } from '../shards/shards.js';
import type { FeatureExtractor } from './feature-extractor.js';
import { featureFileMeta } from './feature-shards.js';
import { type ResampleMethod, resizeForExtractor } from './float-image.js';
import { listPngFiles } from './image-list.js';
import { readPngFile } from './rgb-image.js';

export const extractFeaturesConfigSchema = z.object({
  /** Folder of PNG images (e.g. CLEVR_v1.0/images/val); row i of the output is the i-th file in name order. */
  imageDir: z.string().min(1),
  /** HDF5 file receiving `features` [N, C, H, W] float32. */
  outputH5: z.string().min(1),
  imageHeight: z.number().int().positive().default(224),
  imageWidth: z.number().int().positive().default(224),
  batchSize: z.number().int().positive().default(32),
  /** Only the first `maxImages` images (in name order). */
  maxImages: z.number().int().positive().optional(),
  /** Continue a `<outputH5>.partial` left by an interrupted run (default true). */
  resume: z.boolean().default(true),
  /**
   * Only shard `index` of `count`: its contiguous range of the (first `maxImages`) images, into its own file, which
   * `mergeFeatureShards` joins with the others.
   */
  shard: shardSchema.optional(),
});
export type ExtractFeaturesConfig = z.input<typeof extractFeaturesConfigSchema>;

export interface ExtractFeaturesResult {
  outputH5: string;
  images: number;
  /** Rows found done in a partial file and skipped. */
  resumedFrom: number;
  /** [N, C, H, W] as written. */
  shape: [number, number, number, number];
}

export class ExtractionAbortedError extends Error {
  constructor(
    readonly partialPath: string,
    readonly rowsDone: number,
  ) {
    super(`feature extraction aborted after ${rowsDone} images; run again to resume from ${partialPath}`);
    this.name = 'ExtractionAbortedError';
  }
}

/**
 * Reads images `files` and resizes them (`resizeForExtractor` with the extractor's `resample`, as `mmnet predict`
 * does) into one [B, H, W, 3] buffer in [0, 1].
 */
export async function loadImageBatch(
  files: string[],
  height: number,
  width: number,
  resample: ResampleMethod = 'bilinear',
): Promise<Float32Array> {
  const per = height * width * 3;
  const out = new Float32Array(files.length * per);
  for (const [i, file] of files.entries()) {
    const img = await readPngFile(file);
    out.set(resizeForExtractor(img, height, width, resample).data, i * per);
  }
  return out;
}

/**
 * Extracts features of every PNG of a folder in batches and writes them as `features` [N, C, H, W] float32.
 * Progress is saved after each batch: an interrupted run (crash, Ctrl-C, `signal`) continues where it stopped
 * when called again with the same settings. The file appears at `outputH5` only when complete.
 */
export async function extractFeatures(
  config: ExtractFeaturesConfig,
  extractor: FeatureExtractor,
  hooks: { onProgress?: ProgressCallback; signal?: AbortSignal } = {},
): Promise<ExtractFeaturesResult> {
  const cfg = extractFeaturesConfigSchema.parse(config);
  let files = await listPngFiles(cfg.imageDir);
  if (cfg.maxImages !== undefined) files = files.slice(0, cfg.maxImages);
  const [oh, ow, oc] = extractor.outputShape;
  const basename = (f: string) => f.split(/[\\/]/).pop() ?? f;
  let extra: Record<string, string | number> = {};
  if (cfg.shard) {
    const range = shardRange(files.length, cfg.shard);
    if (range.end === range.start)
      throw new Error(
        `shard ${cfg.shard.index}/${cfg.shard.count} holds no images: ${cfg.imageDir} has ${files.length} for ${cfg.shard.count} shards`,
      );
    extra = shardMeta(cfg.shard, range, files.length, {
      images_digest: imageListDigest(files.map(basename)),
    });
    files = files.slice(range.start, range.end);
  }
  const writer = await FeaturesH5Writer.open(cfg.outputH5, {
    rows: files.length,
    rowShape: [oc, oh, ow],
    resume: cfg.resume,
    meta: {
      ...featureFileMeta({
        extractor: extractor.name,
        imageSize: `${cfg.imageHeight}x${cfg.imageWidth}`,
        firstImage: basename(files[0]),
        lastImage: basename(files[files.length - 1]),
      }),
      ...extra,
    },
  });
  const resumedFrom = writer.rowsDone;
  try {
    for (let start = writer.rowsDone; start < files.length; start += cfg.batchSize) {
      if (hooks.signal?.aborted) throw new ExtractionAbortedError(`${cfg.outputH5}.partial`, writer.rowsDone);
      const batchFiles = files.slice(start, start + cfg.batchSize);
      const pixels = await loadImageBatch(batchFiles, cfg.imageHeight, cfg.imageWidth, extractor.resample);
      const b = batchFiles.length;
      const features = tf.tidy(() => {
        const input = tf.tensor4d(pixels, [b, cfg.imageHeight, cfg.imageWidth, 3]);
        const out = extractor.extract(input);
        const want = [b, oh, ow, oc];
        if (out.shape.join() !== want.join()) {
          throw new Error(`extractor "${extractor.name}" returned shape [${out.shape}], expected [${want}]`);
        }
        return out;
      });
      const nhwc = (await features.data()) as Float32Array;
      features.dispose();
      writer.append(nhwcToNchw(nhwc, b, oh, ow, oc), b);
      hooks.onProgress?.({ phase: 'extract-features', done: writer.rowsDone, total: files.length });
    }
    await writer.finish();
  } finally {
    writer.close();
  }
  return { outputH5: cfg.outputH5, images: files.length, resumedFrom, shape: [files.length, oc, oh, ow] };
}
