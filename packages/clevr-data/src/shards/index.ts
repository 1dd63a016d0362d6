export {
  checkShardSet,
  fileDigest,
  imageListDigest,
  parseShard,
  type Shard,
  type ShardFile,
  shardFlag,
  shardMeta,
  shardOfMeta,
  shardRange,
  shardSchema,
} from './shards.js';
