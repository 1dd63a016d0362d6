import { ClevrH5Dataset } from '@mmnet/clevr-data';
import { initBackend, writeFileAtomic } from '@mmnet/core-tensors';
import { z } from 'zod';
import { checkDatasetFiles } from '../../data/dataset-files.js';
import { readVocabFile } from '../../data/vocab-file.js';
import type { ModelRegistry } from '../../models/registry.js';
import { loadTrainedModel } from '../../models/trained-model.js';
import { evaluate } from '../../training/evaluate.js';
import type { CliIo } from '../io.js';
import { cliInt, type OptionSpec, parseCommandLine } from '../options.js';
import {
  BACKEND_OPTION,
  CHECKPOINT_OPTION,
  exactlyOneRunSource,
  openTrainedRun,
  RUN_OPTION,
  trainedRunFields,
} from './trained-run-source.js';

const EVAL_OPTIONS: OptionSpec[] = [
  RUN_OPTION,
  CHECKPOINT_OPTION,
  {
    flag: '--clevr_dataset',
    key: 'clevr_dataset',
    value: 'DIR',
    kind: 'string',
    description: 'dataset folder',
    defaultText: 'the one the model was trained on',
  },
  {
    flag: '--split',
    key: 'split',
    value: 'val|train',
    kind: 'string',
    description: 'which questions',
    defaultText: 'val',
  },
  {
    flag: '--num_samples',
    key: 'num_samples',
    value: 'N',
    kind: 'integer',
    description: 'only the first N questions',
    defaultText: 'all',
  },
  {
    flag: '--batch_size',
    key: 'batch_size',
    value: 'N',
    kind: 'integer',
    description: 'questions per batch',
    defaultText: '64',
  },
  BACKEND_OPTION,
  {
    flag: '--json',
    key: 'json',
    value: 'FILE',
    kind: 'string',
    description: 'also write the results as JSON',
  },
  { flag: '--help', key: 'help', kind: 'boolean', description: 'print this help' },
];

const evalSchema = z
  .object({
    ...trainedRunFields,
    split: z.enum(['val', 'train'], { error: 'must be val or train' }).default('val'),
    num_samples: cliInt().optional(),
    batch_size: cliInt().default(64),
    json: z.string().min(1).optional(),
  })
  .strict()
  .refine(...exactlyOneRunSource);

export async function evalCommand(argv: string[], io: CliIo, registry: ModelRegistry): Promise<number> {
  const opts = parseCommandLine(
    argv,
    EVAL_OPTIONS,
    evalSchema,
    {
      usage: 'mmnet eval (--run DIR | --checkpoint FILE) [options]',
      summary:
        'Accuracy of a trained model overall, per kind of answer and per question family; program exact match when the model predicts programs.',
    },
    (text) => io.out(text),
  );
  if (!opts) return 0;
  await initBackend({ prefer: opts.backend, log: (line) => io.err(line) });
  const { file, checkpoint, files } = openTrainedRun(opts);
  checkDatasetFiles(files, [opts.split]);
  const vocab = readVocabFile(files.vocab);
  const dataset = await ClevrH5Dataset.open({
    questionsH5: opts.split === 'val' ? files.valQuestions : files.trainQuestions,
    featuresH5: opts.split === 'val' ? files.valFeatures : files.trainFeatures,
    batchSize: opts.batch_size,
    shuffle: false,
    maxSamples: opts.num_samples,
    prefetch: false,
  });
  try {
    const [c, h, w] = dataset.featureShapeCHW;
    const { model } = await loadTrainedModel(file, checkpoint, vocab, [h, w, c], registry);
    try {
      const result = evaluate(model, dataset, {
        batchSize: opts.batch_size,
        vocab,
        sampleCount: 0,
        step: Number(checkpoint.metadata.step ?? 0),
      });
      io.out(
        `${file}: ${opts.split} accuracy ${result.accuracy.toFixed(4)} on ${result.count} questions (loss ${result.loss.toFixed(4)})`,
      );
      if (result.programExactMatch !== undefined)
        io.out(`program exact match ${result.programExactMatch.toFixed(4)}`);
      io.out('per kind of answer:');
      for (const [k, t] of Object.entries(result.perKind))
        io.out(`  ${k.padEnd(10)} ${(t.correct / t.total).toFixed(4)}  (${t.total})`);
      const families = Object.entries(result.perFamily).sort((a, b) => Number(a[0]) - Number(b[0]));
      if (families.length) {
        io.out('per question family:');
        for (const [f, t] of families)
          io.out(`  family ${f.padEnd(4)} ${(t.correct / t.total).toFixed(4)}  (${t.total})`);
      }
      if (opts.json) {
        const { samples: _s, ...rest } = result;
        writeFileAtomic(
          opts.json,
          `${JSON.stringify({ checkpoint: file, split: opts.split, ...rest }, null, 2)}\n`,
        );
      }
    } finally {
      model.dispose();
    }
  } finally {
    dataset.close();
  }
  return 0;
}
