import type { ClevrBatch } from '@mmnet/clevr-data';
import { readPngFile, resizeBilinear } from '@mmnet/clevr-data';
import { createRng, tf } from '@mmnet/core-tensors';
import { decodeTokens, tokensByIndex } from '@mmnet/programs';
import { z } from 'zod';
import { BACKEND_OPTION } from '../../config/train-config.js';
import { featureSourceFor } from '../../data/feature-source.js';
import { encodeProgram, encodeQuestion } from '../../data/question-encoding.js';
import type { ModelRegistry } from '../../models/registry.js';
import type { CliIo } from '../io.js';
import { type OptionSpec, UsageError } from '../options.js';
import { CHECKPOINT_OPTION, openTrainedRun, RUN_OPTION, trainedRunSchema } from './trained-run-source.js';

const PREDICT_OPTIONS: OptionSpec[] = [
  { flag: '--image', key: 'image', value: 'FILE.png', kind: 'string', description: 'the image' },
  { flag: '--question', key: 'question', value: 'TEXT', kind: 'string', description: 'the question' },
  RUN_OPTION,
  CHECKPOINT_OPTION,
  {
    flag: '--clevr_dataset',
    key: 'clevr_dataset',
    value: 'DIR',
    kind: 'string',
    description: 'dataset folder (vocab and feature extractor)',
    defaultText: 'the one the model was trained on',
  },
  {
    flag: '--program',
    key: 'program',
    value: 'TOKENS',
    kind: 'string',
    description: 'program in prefix tokens, for models that execute given programs (PG, PG_memory)',
  },
  BACKEND_OPTION,
  { flag: '--help', key: 'help', kind: 'boolean', description: 'print this help' },
];

const predictSchema = trainedRunSchema({
  image: z.string({ error: 'is required' }).min(1),
  question: z.string({ error: 'is required' }).min(1),
  program: z.string().min(1).optional(),
});

export async function predictCommand(argv: string[], io: CliIo, registry: ModelRegistry): Promise<number> {
  const opened = await openTrainedRun(argv, io, registry, {
    specs: PREDICT_OPTIONS,
    schema: predictSchema,
    help: {
      usage: 'mmnet predict --image F.png --question "..." (--run DIR | --checkpoint FILE)',
      summary:
        "Answers one question about one image (features extracted with the dataset's own extractor) and prints the program that produced the answer.",
    },
    parts: () => [],
  });
  if (!opened) return 0;
  const { opts, run } = opened;
  const { files, vocab } = run;
  const source = await featureSourceFor(files.trainFeatures);
  const image = resizeBilinear(await readPngFile(opts.image), source.imageHeight, source.imageWidth);
  const [fh, fw, fc] = source.extractor.outputShape;
  const features = tf.tidy(() => {
    const input = tf.tensor4d(image.data, [1, source.imageHeight, source.imageWidth, 3]);
    return source.extractor.extract(input).dataSync() as Float32Array;
  });
  source.extractor.dispose?.();
  const question = Int32Array.from(encodeQuestion(opts.question, vocab.question_token_to_idx));
  const batch: ClevrBatch = {
    indices: Int32Array.of(0),
    features,
    featureShape: [1, fh, fw, fc],
    questions: question,
    questionLength: question.length,
    imageIdxs: Int32Array.of(0),
    answers: Int32Array.of(0),
  };
  if (opts.program) {
    const program = Int32Array.from(encodeProgram(opts.program, vocab.program_token_to_idx));
    batch.programs = program;
    batch.programLength = program.length;
  }
  const model = await run.loadModel([fh, fw, fc]);
  try {
    const result = tf.tidy(() => {
      const out = model.forward(batch, { training: false, trainMode: 'PG+EE', rng: createRng(0), step: 0 });
      const probs = tf.softmax(out.logits);
      return {
        answer: tf.argMax(out.logits, -1).dataSync()[0],
        probability: tf.max(probs, -1).dataSync()[0],
        program: out.programs ? Array.from(out.programs.dataSync()) : undefined,
      };
    });
    const answers = tokensByIndex(vocab.answer_token_to_idx);
    const programTokens = tokensByIndex(vocab.program_token_to_idx);
    io.out(`Question: "${opts.question}"`);
    io.out(
      `Predicted answer: ${answers[result.answer] ?? result.answer} (p = ${result.probability.toFixed(3)})`,
    );
    if (result.program) io.out(`Predicted program: ${decodeTokens(result.program, programTokens).join(' ')}`);
    else if (opts.program) io.out(`Program executed: ${opts.program}`);
    else io.out(`Program: none (${model.name} answers without a program)`);
  } catch (error) {
    if (!opts.program && /program/i.test(String(error))) {
      throw new UsageError(
        `--program: model ${model.name} executes given programs; pass --program "scene filter_color[red] ..." (${error instanceof Error ? error.message : error})`,
      );
    }
    throw error;
  } finally {
    model.dispose();
  }
  return 0;
}
