import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { FeaturesH5Reader, FeaturesH5Writer, META_PREFIX, partialPathFor } from '../h5/features-h5.js';
import { H5FileError } from '../h5/h5wasm-loader.js';
import type { ProgressCallback } from '../io/progress.js';
import { checkShardSet, type ShardFile, shardOfMeta } from '../shards/shards.js';

/**
 * The settings a features file records (and a resume must match), in the order they are written: the extractor,
 * the image size and the first and last image of its rows.
 */
export function featureFileMeta(m: {
  extractor: string;
  imageSize: string;
  firstImage: string;
  lastImage: string;
}): Record<string, string> {
  return {
    extractor: m.extractor,
    image_size: m.imageSize,
    first_image: m.firstImage,
    last_image: m.lastImage,
  };
}

/** Meta keys every shard of one extraction shares (`row_shape`: [C, H, W] of its dataset). */
const SHARED_KEYS = ['extractor', 'image_size', 'images_digest', 'row_shape'];

export interface MergeFeatureShardsConfig {
  /** The n shard files, in any order. */
  inputs: readonly string[];
  /** The merged file (written as `<outputH5>.partial`, renamed when complete). */
  outputH5: string;
  /** Rows copied per step (default 64). */
  batchRows?: number;
  /** Continue a `<outputH5>.partial` left by an interrupted merge (default true). */
  resume?: boolean;
}

export interface MergeFeatureShardsResult {
  outputH5: string;
  shards: number;
  /** [N, C, H, W] as written. */
  shape: [number, number, number, number];
  /** Rows found done in a partial file and skipped. */
  resumedFrom: number;
}

interface OpenShard extends ShardFile {
  reader: FeaturesH5Reader;
}

async function openShard(file: string): Promise<OpenShard> {
  if (!existsSync(file)) {
    const unfinished = existsSync(partialPathFor(file))
      ? ` (${partialPathFor(file)} exists: that shard is unfinished; run its extraction again)`
      : '';
    throw new H5FileError(file, `no such shard file${unfinished}`);
  }
  const reader = await FeaturesH5Reader.open(file);
  try {
    const meta: Record<string, string> = {};
    for (const [name, value] of Object.entries(reader.attributes()))
      if (name.startsWith(META_PREFIX)) meta[name.slice(META_PREFIX.length)] = String(value);
    meta.row_shape = reader.shape.slice(1).join('x');
    return { file, reader, rows: reader.rows, meta, ...shardOfMeta(file, meta) };
  } catch (err) {
    reader.close();
    throw err;
  }
}

/**
 * Joins the n shard files of one sharded extraction into the file an unsharded run writes: the same `features`
 * values, chunking and attributes. Resumable like the extraction (`<outputH5>.partial`).
 */
export async function mergeFeatureShards(
  config: MergeFeatureShardsConfig,
  hooks: { onProgress?: ProgressCallback; signal?: AbortSignal } = {},
): Promise<MergeFeatureShardsResult> {
  const { inputs, outputH5, batchRows = 64, resume = true } = config;
  if (inputs.length === 0) throw new Error('merge-features: no shard files given');
  const out = resolve(outputH5);
  for (const file of inputs)
    if (resolve(file) === out) throw new H5FileError(file, 'is both a shard and the merged output');
  const shards: OpenShard[] = [];
  try {
    for (const file of inputs) shards.push(await openShard(file));
    const ordered = checkShardSet(shards, SHARED_KEYS, 'extraction');
    const first = ordered[0];
    const last = ordered[ordered.length - 1];
    const total = Number(first.meta.all_rows);
    const [, c, h, w] = first.reader.shape;
    // The meta an unsharded run writes: the image range spans all shards.
    const meta = featureFileMeta({
      extractor: first.meta.extractor,
      imageSize: first.meta.image_size,
      firstImage: first.meta.first_image,
      lastImage: last.meta.last_image,
    });
    const writer = await FeaturesH5Writer.open(outputH5, { rows: total, rowShape: [c, h, w], resume, meta });
    const resumedFrom = writer.rowsDone;
    try {
      for (const s of ordered) {
        for (let row = Math.max(writer.rowsDone - s.start, 0); row < s.reader.rows; row += batchRows) {
          if (hooks.signal?.aborted)
            throw new Error(
              `merge-features aborted after ${writer.rowsDone} rows; run again to resume from ${partialPathFor(outputH5)}`,
            );
          const count = Math.min(batchRows, s.reader.rows - row);
          writer.append(s.reader.readRows(Array.from({ length: count }, (_, k) => row + k)), count);
          hooks.onProgress?.({ phase: 'merge-features', done: writer.rowsDone, total });
        }
      }
      await writer.finish();
    } finally {
      writer.close();
    }
    return { outputH5, shards: ordered.length, shape: [total, c, h, w], resumedFrom };
  } finally {
    for (const s of shards) s.reader.close();
  }
}
