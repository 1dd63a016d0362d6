import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { FeaturesH5Reader, FeaturesH5Writer, META_PREFIX, partialPathFor } from '../h5/features-h5.js';
import { H5FileError } from '../h5/h5wasm-loader.js';
import type { ProgressCallback } from '../io/progress.js';

/**
 * Sharded feature extraction: shard i of n extracts the contiguous rows [floor(i N / n), floor((i+1) N / n)) of the
 * N images into its own file, so that n machines (a Kubernetes Indexed Job, a Slurm array) share one split;
 * `mergeFeatureShards` joins the n files into the file an unsharded run writes.
 */
export const featureShardSchema = z
  .object({ index: z.number().int().nonnegative(), count: z.number().int().positive() })
  .refine((s) => s.index < s.count, { message: 'the shard index must be below the shard count' });
export type FeatureShard = z.infer<typeof featureShardSchema>;

/** Parses `i/n` (0 <= i < n), as `--shard` takes it; a bad text is an error saying what is expected. */
export function parseFeatureShard(text: string): FeatureShard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const shard = match ? { index: Number(match[1]), count: Number(match[2]) } : undefined;
  if (!shard || shard.count < 1 || shard.index >= shard.count)
    throw new Error(`expected i/n with 0 <= i < n (e.g. 0/4 to 3/4), got "${text}"`);
  return shard;
}

/** The rows [start, end) of shard `index` of `count` over `total` rows. */
export function shardRange(total: number, shard: FeatureShard): { start: number; end: number } {
  return {
    start: Math.floor((shard.index * total) / shard.count),
    end: Math.floor(((shard.index + 1) * total) / shard.count),
  };
}

/** A digest of the image names of the whole split: shards made from other images do not merge. */
export function imageListDigest(names: readonly string[]): string {
  return createHash('sha256').update(names.join('\n')).digest('hex').slice(0, 32);
}

/** The `meta` a shard file stores besides the unsharded file's (extractor, image size, its first/last image). */
export function shardMeta(
  shard: FeatureShard,
  range: { start: number; end: number },
  allNames: readonly string[],
): Record<string, string | number> {
  return {
    shard: `${shard.index}/${shard.count}`,
    shard_start: range.start,
    all_rows: allNames.length,
    images_digest: imageListDigest(allNames),
  };
}

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

/** Meta keys every shard of one extraction shares. */
const SHARED_KEYS = ['extractor', 'image_size', 'all_rows', 'images_digest'];

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

interface OpenShard {
  file: string;
  reader: FeaturesH5Reader;
  shard: FeatureShard;
  start: number;
  meta: Record<string, string>;
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
    const attrs = reader.attributes();
    const meta: Record<string, string> = {};
    for (const [name, value] of Object.entries(attrs))
      if (name.startsWith(META_PREFIX)) meta[name.slice(META_PREFIX.length)] = String(value);
    if (meta.shard === undefined)
      throw new H5FileError(file, 'not a shard file (no meta_shard attribute: made without --shard)');
    let shard: FeatureShard;
    try {
      shard = parseFeatureShard(meta.shard);
    } catch {
      throw new H5FileError(file, `meta_shard is "${meta.shard}", expected i/n`);
    }
    return { file, reader, shard, start: Number(meta.shard_start), meta };
  } catch (err) {
    reader.close();
    throw err;
  }
}

/**
 * Checks that `shards` are exactly the n shards of one extraction (same n, each index once, same extractor, image
 * size, row shape and image list, each holding its own range of rows) and returns them in index order. Every
 * problem is an `H5FileError` naming a file.
 */
function checkShards(shards: OpenShard[]): OpenShard[] {
  const first = shards[0];
  const { count } = first.shard;
  const byIndex = new Map<number, OpenShard>();
  for (const s of shards) {
    if (s.shard.count !== count)
      throw new H5FileError(
        s.file,
        `shard ${s.meta.shard} does not match ${first.file} (shard ${first.meta.shard}): the shards of one extraction share n`,
      );
    const other = byIndex.get(s.shard.index);
    if (other)
      throw new H5FileError(
        s.file,
        `shard ${s.meta.shard} overlaps ${other.file}, which is shard ${other.meta.shard} too`,
      );
    byIndex.set(s.shard.index, s);
    for (const key of SHARED_KEYS)
      if (s.meta[key] !== first.meta[key])
        throw new H5FileError(
          s.file,
          `${key} is ${s.meta[key]}, but ${first.file} has ${first.meta[key]}: not shards of one extraction`,
        );
    const rowShape = s.reader.shape.slice(1).join('x');
    const firstShape = first.reader.shape.slice(1).join('x');
    if (rowShape !== firstShape)
      throw new H5FileError(
        s.file,
        `rows are ${rowShape}, but ${first.file} has ${firstShape}: not shards of one extraction`,
      );
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length)
    throw new Error(
      `shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} missing: ${shards
        .map((s) => `${s.file} is ${s.meta.shard}`)
        .join(', ')}`,
    );
  const total = Number(first.meta.all_rows);
  const ordered = [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => s);
  for (const s of ordered) {
    const { start, end } = shardRange(total, s.shard);
    if (s.start !== start || s.reader.rows !== end - start)
      throw new H5FileError(
        s.file,
        `holds rows ${s.start}-${s.start + s.reader.rows - 1}, but shard ${s.meta.shard} of ${total} rows is ${start}-${end - 1}`,
      );
  }
  return ordered;
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
    const ordered = checkShards(shards);
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
