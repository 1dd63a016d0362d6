import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { z } from 'zod';
import { H5FileError } from '../h5/h5wasm-loader.js';

/**
 * Sharding one job over n machines (a Kubernetes Indexed Job, a Slurm array): shard i of n takes the contiguous
 * rows [floor(i N / n), floor((i+1) N / n)) of the N inputs (images for extract-features, questions for
 * preprocess-questions) into its own file; `merge-features` checks that the files are exactly the n shards of one
 * run and joins them into the file an unsharded run writes.
 */
export const shardSchema = z
  .object({ index: z.number().int().nonnegative(), count: z.number().int().positive() })
  .refine((s) => s.index < s.count, { message: 'the shard index must be below the shard count' });
export type Shard = z.infer<typeof shardSchema>;

/** Parses `i/n` (0 <= i < n), as `--shard` takes it; a bad text is an error saying what is expected. */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const shard = match ? { index: Number(match[1]), count: Number(match[2]) } : undefined;
  if (!shard || shard.count < 1 || shard.index >= shard.count)
    throw new Error(`expected i/n with 0 <= i < n (e.g. 0/4 to 3/4), got "${text}"`);
  return shard;
}

/** The `--shard i/n` flag's zod type: the text parsed by `parseShard`, its error as the flag's issue. */
export const shardFlag = z.string().transform((text, ctx) => {
  try {
    return parseShard(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

/** The rows [start, end) of shard `index` of `count` over `total` rows. */
export function shardRange(total: number, shard: Shard): { start: number; end: number } {
  return {
    start: Math.floor((shard.index * total) / shard.count),
    end: Math.floor(((shard.index + 1) * total) / shard.count),
  };
}

/** A digest of the image names of the whole split: shards made from other images do not merge. */
export function imageListDigest(names: readonly string[]): string {
  return createHash('sha256').update(names.join('\n')).digest('hex').slice(0, 32);
}

/** A digest of a file's bytes (the input every shard of one run reads whole). */
export async function fileDigest(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex').slice(0, 32);
}

/**
 * The `meta` a shard file stores besides the unsharded file's: which shard, its first row and the total, and a
 * digest of the whole input (e.g. `{ images_digest }`: shards of other inputs do not merge).
 */
export function shardMeta(
  shard: Shard,
  range: { start: number; end: number },
  total: number,
  digest: Record<string, string>,
): Record<string, string | number> {
  return { shard: `${shard.index}/${shard.count}`, shard_start: range.start, all_rows: total, ...digest };
}

/** One shard file as `checkShardSet` sees it: its shard meta, its row count and its other settings. */
export interface ShardFile {
  file: string;
  shard: Shard;
  start: number;
  rows: number;
  /** Meta keys with the `meta_` prefix removed, plus anything else the shards of one run must share. */
  meta: Record<string, string>;
}

/** The shard of a file from its meta; a file made without --shard, or a bad `shard`, is an error naming it. */
export function shardOfMeta(file: string, meta: Record<string, string>): { shard: Shard; start: number } {
  if (meta.shard === undefined)
    throw new H5FileError(file, 'not a shard file (no meta_shard attribute: made without --shard)');
  try {
    return { shard: parseShard(meta.shard), start: Number(meta.shard_start) };
  } catch {
    throw new H5FileError(file, `meta_shard is "${meta.shard}", expected i/n`);
  }
}

/**
 * Checks that `shards` are exactly the n shards of one run (`what`: "extraction", "preprocessing"): the same n,
 * each index once, the same `sharedKeys` of meta (settings and input digest), each holding its own range of rows.
 * Returns them in index order; every problem is one error naming a file.
 */
export function checkShardSet<S extends ShardFile>(
  shards: S[],
  sharedKeys: readonly string[],
  what: string,
): S[] {
  const first = shards[0];
  const { count } = first.shard;
  const byIndex = new Map<number, S>();
  for (const s of shards) {
    if (s.shard.count !== count)
      throw new H5FileError(
        s.file,
        `shard ${s.meta.shard} does not match ${first.file} (shard ${first.meta.shard}): the shards of one ${what} share n`,
      );
    const other = byIndex.get(s.shard.index);
    if (other)
      throw new H5FileError(
        s.file,
        `shard ${s.meta.shard} overlaps ${other.file}, which is shard ${other.meta.shard} too`,
      );
    byIndex.set(s.shard.index, s);
    for (const key of ['all_rows', ...sharedKeys])
      if (s.meta[key] !== first.meta[key])
        throw new H5FileError(
          s.file,
          `${key} is ${s.meta[key]}, but ${first.file} has ${first.meta[key]}: not shards of one ${what}`,
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
    if (s.start !== start || s.rows !== end - start)
      throw new H5FileError(
        s.file,
        `holds rows ${s.start}-${s.start + s.rows - 1}, but shard ${s.meta.shard} of ${total} rows is ${start}-${end - 1}`,
      );
  }
  return ordered;
}
