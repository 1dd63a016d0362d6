import { flagInt, prepareOutputFile, writeFileAtomic } from '@mmnet/core-tensors';
import { z } from 'zod';
import { DATASET_SPLITS, splitFiles } from '../../data/dataset-files.js';
import { questionFamilyName } from '../../data/question-families.js';
import type { ModelRegistry } from '../../models/registry.js';
import { evaluateCheckpoint } from '../../training/evaluate-checkpoint.js';
import type { CliIo } from '../io.js';
import { openTrainedRun, trainedRunSchema } from './trained-run-source.js';

const evalSchema = trainedRunSchema('', {
  split: z
    .enum(DATASET_SPLITS, { error: `must be one of ${DATASET_SPLITS.join(', ')}` })
    .default('val')
    .meta({ description: "which questions (test: a generated preset's held-out split)" }),
  num_samples: flagInt(1).optional().meta({ description: 'only the first N questions', default: 'all' }),
  batch_size: flagInt(1).default(64).meta({ description: 'questions per batch' }),
  json: z.string().min(1).optional().meta({ description: 'also write the results as JSON', value: 'FILE' }),
});

export async function evalCommand(argv: string[], io: CliIo, registry: ModelRegistry): Promise<number> {
  const opened = await openTrainedRun(argv, io, registry, {
    schema: evalSchema,
    help: {
      usage: 'mmnet eval (--run DIR | --checkpoint FILE) [flags]',
      summary:
        'Accuracy of a trained model overall, per kind of answer and per question family; for a model that predicts programs, also program exact match and the accuracy with the ground-truth programs.',
    },
    parts: (opts) => [opts.split],
  });
  if (!opened) return 0;
  const { opts, run } = opened;
  if (opts.json) prepareOutputFile(opts.json, '--json');
  const { file, files } = run;
  const split = splitFiles(files, opts.split);
  const result = await evaluateCheckpoint(
    run,
    {
      questionsH5: split.questions,
      featuresH5: split.features,
      batchSize: opts.batch_size,
      maxSamples: opts.num_samples,
    },
    registry,
  );
  const predicted = result.programExactMatch !== undefined ? ' with predicted programs' : '';
  io.out(
    `${file}: ${opts.split} accuracy${predicted} ${result.accuracy.toFixed(4)} on ${result.count} questions (loss ${result.loss.toFixed(4)})`,
  );
  if (result.givenPrograms)
    io.out(`${opts.split} accuracy with ground-truth programs ${result.givenPrograms.accuracy.toFixed(4)}`);
  if (result.programExactMatch !== undefined)
    io.out(`program exact match ${result.programExactMatch.toFixed(4)}`);
  io.out('per kind of answer:');
  for (const [k, t] of Object.entries(result.perKind))
    io.out(`  ${k.padEnd(10)} ${(t.correct / t.total).toFixed(4)}  (${t.total})`);
  const families = Object.entries(result.perFamily).sort((a, b) => Number(a[0]) - Number(b[0]));
  if (families.length) {
    io.out('per question family (accuracy, questions, family: template of the built-in set):');
    for (const [f, t] of families)
      io.out(
        `  ${(t.correct / t.total).toFixed(4)}  (${String(t.total).padStart(4)})  ${questionFamilyName(Number(f))}`,
      );
  }
  if (opts.json) {
    const { samples: _s, ...rest } = result;
    writeFileAtomic(
      opts.json,
      `${JSON.stringify({ checkpoint: file, split: opts.split, ...rest }, null, 2)}\n`,
    );
  }
  return 0;
}
