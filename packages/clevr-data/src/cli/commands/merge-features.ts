import { flagInt, flagSwitch, prepareOutputFile } from '@mmnet/core-tensors';
import { z } from 'zod';
import { mergeFeatureShards } from '../../features/feature-shards.js';
import { defineCommand } from '../command.js';

const schema = z.object({
  input_h5_files: z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((f) => f.trim())
        .filter((f) => f.length > 0),
    )
    .refine((files) => files.length > 0, { message: 'expected comma-separated shard files' })
    .meta({
      description: 'the n shard files of `extract-features --shard i/n`, comma-separated, in any order',
      value: 'FILES',
    }),
  output_h5_file: z
    .string()
    .min(1)
    .meta({ description: 'the merged features file (as an unsharded extract-features run writes it)' }),
  batch_size: flagInt(1).default(64).meta({ description: 'rows copied per step' }),
  restart: flagSwitch()
    .default(false)
    .meta({ description: 'ignore a partial file from an interrupted merge' }),
});

export const mergeFeaturesCommand = defineCommand({
  name: 'merge-features',
  summary:
    "Join the shard files of `extract-features --shard i/n` (i = 0 .. n-1) into one features file, equal to an unsharded run's. Checks that the files are exactly the n shards of one extraction. Resumable: after an interruption, run the same command again.",
  usage: 'mmnet-data merge-features --input_h5_files <shard0.h5,shard1.h5,...> --output_h5_file <file>',
  schema,
  async run(f, io, task) {
    prepareOutputFile(f.output_h5_file, '--output_h5_file');
    const res = await mergeFeatureShards(
      {
        inputs: f.input_h5_files,
        outputH5: f.output_h5_file,
        batchRows: f.batch_size,
        resume: !f.restart,
      },
      task,
    );
    io.out(
      `${res.outputH5}: features [${res.shape.join(', ')}] from ${res.shards} shards` +
        (res.resumedFrom > 0 ? ` (resumed at row ${res.resumedFrom})` : ''),
    );
    return 0;
  },
});
