import { existsSync } from 'node:fs';
import { flagInt, flagSwitch, prepareOutputFile } from '@mmnet/core-tensors';
import { z } from 'zod';
import { mergeQuestionShards } from '../../dataset/question-shards.js';
import { mergeFeatureShards } from '../../features/feature-shards.js';
import { openH5 } from '../../h5/h5wasm-loader.js';
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
      description:
        'the n shard files of `extract-features --shard i/n` or of `preprocess-questions --shard i/n`, comma-separated, in any order',
      value: 'FILES',
    }),
  output_h5_file: z.string().min(1).meta({
    description: 'the merged file (as an unsharded extract-features or preprocess-questions run writes it)',
  }),
  batch_size: flagInt(1).default(64).meta({ description: 'rows copied per step' }),
  restart: flagSwitch()
    .default(false)
    .meta({ description: 'ignore a partial file from an interrupted merge' }),
});

/** Whether a shard file is a questions file (a `questions` dataset) rather than a features file. */
async function isQuestionsFile(file: string): Promise<boolean> {
  if (!existsSync(file)) return false;
  try {
    const h5 = await openH5(file, 'r');
    try {
      return h5.get('questions') !== null;
    } finally {
      h5.close();
    }
  } catch {
    return false; // not HDF5: the features merge names the file
  }
}

export const mergeFeaturesCommand = defineCommand({
  name: 'merge-features',
  summary:
    "Join the shard files of `extract-features --shard i/n` or of `preprocess-questions --shard i/n` (i = 0 .. n-1) into one file, equal to an unsharded run's. Checks that the files are exactly the n shards of one run. Resumable (features): after an interruption, run the same command again.",
  usage: 'mmnet-data merge-features --input_h5_files <shard0.h5,shard1.h5,...> --output_h5_file <file>',
  schema,
  async run(f, io, task) {
    prepareOutputFile(f.output_h5_file, '--output_h5_file');
    if (await isQuestionsFile(f.input_h5_files[0])) {
      const q = await mergeQuestionShards({ inputs: f.input_h5_files, outputH5: f.output_h5_file });
      io.out(
        `${q.outputH5}: ${q.questions} questions [${q.questions}, ${q.questionLength}]` +
          (q.programLength ? `, programs [${q.questions}, ${q.programLength}]` : '') +
          ` from ${q.shards} shards`,
      );
      return 0;
    }
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
