import { existsSync } from 'node:fs';
import { prepareOutputFile } from '@mmnet/core-tensors';
import { z } from 'zod';
import { mergeQuestionShards } from '../../dataset/question-shards.js';
import { mergeFeatureShards } from '../../features/feature-shards.js';
import { openH5 } from '../../h5/h5wasm-loader.js';
import { defineCommand } from '../command.js';
import { type FlagSpecs, flagPositiveInt, flagSwitch } from '../flags.js';

const flags: FlagSpecs = {
  input_h5_files: {
    type: 'string',
    description:
      'the n shard files of `extract-features --shard i/n` or of `preprocess-questions --shard i/n`, comma-separated, in any order',
    required: true,
  },
  output_h5_file: {
    type: 'string',
    description: 'the merged file (as an unsharded extract-features or preprocess-questions run writes it)',
    required: true,
  },
  batch_size: { type: 'string', description: 'rows copied per step', default: '64' },
  restart: {
    type: 'string',
    description: 'ignore a partial file from an interrupted merge (0/1)',
    default: '0',
  },
};

const schema = z.object({
  input_h5_files: z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((f) => f.trim())
        .filter((f) => f.length > 0),
    )
    .refine((files) => files.length > 0, { message: 'expected comma-separated shard files' }),
  output_h5_file: z.string().min(1),
  batch_size: flagPositiveInt.default(64),
  restart: flagSwitch.default(false),
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
  flags,
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
