import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FloatRgbImage, ImageDecodeError, readImageFile } from '@mmnet/clevr-data';
import {
  flagInt,
  prepareOutputDir,
  prepareOutputFile,
  UsageError,
  writeFileAtomic,
} from '@mmnet/core-tensors';
import { z } from 'zod';
import { featureSourceFor } from '../../data/feature-source.js';
import type { StepMap } from '../../models/model-adapter.js';
import type { ModelRegistry } from '../../models/registry.js';
import { AnswerStream } from '../../predict/answer-stream.js';
import { overlayImage } from '../../predict/overlay.js';
import { type Prediction, Predictor } from '../../predict/predictor.js';
import { executionOrder, formatProgramTree } from '../../predict/program-tree.js';
import { displayImage, pngBytes, predictionHtml } from '../../predict/step-images.js';
import type { CliIo } from '../io.js';
import { openTrainedRun, trainedRunSchema } from './trained-run-source.js';

const predictSchema = trainedRunSchema(' (vocab and feature extractor)', {
  image: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'the image (PNG or JPEG, any size)', value: 'FILE' }),
  question: z.string().min(1).optional().meta({ description: 'the question in words', value: 'TEXT' }),
  program: z.string().min(1).optional().meta({
    description: "prefix program tokens to execute instead of the run's generator's (PG, PG_memory)",
    value: 'TOKENS',
  }),
  out: z.string().min(1).optional().meta({
    description:
      'also write one PNG per program step (or attention hop) and index.html showing them in order',
    value: 'DIR',
  }),
  questions_json: z.string().min(1).optional().meta({
    description: 'batch mode: a CLEVR-format questions file (question, image_filename per question)',
    value: 'FILE',
  }),
  image_dir: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'batch mode: the folder of the image files', value: 'DIR' }),
  output_json: z.string().min(1).optional().meta({
    description: 'batch mode: the answers (streamed to FILE.partial as JSON lines; run again to resume)',
    value: 'FILE',
  }),
  batch_size: flagInt(1).default(32).meta({ description: 'batch mode: questions per forward pass' }),
}).superRefine((o, ctx) => {
  const batch = o.questions_json !== undefined || o.output_json !== undefined || o.image_dir !== undefined;
  if (batch) {
    for (const key of ['questions_json', 'image_dir', 'output_json'] as const)
      if (o[key] === undefined)
        ctx.addIssue({ code: 'custom', path: [key], message: 'is required in batch mode' });
    for (const key of ['image', 'question', 'program', 'out'] as const)
      if (o[key] !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: 'is for one question, not with --questions_json',
        });
  } else {
    for (const key of ['image', 'question'] as const)
      if (o[key] === undefined)
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: 'is required (or use --questions_json for a batch)',
        });
  }
});

export async function predictCommand(argv: string[], io: CliIo, registry: ModelRegistry): Promise<number> {
  const opened = await openTrainedRun(argv, io, registry, {
    schema: predictSchema,
    help: {
      usage:
        'mmnet predict (--run DIR | --checkpoint FILE) --image F --question "..." [--out DIR]\n       mmnet predict (--run DIR | --checkpoint FILE) --questions_json F --image_dir D --output_json OUT',
      summary:
        "Answers questions in words about images (PNG or JPEG of any size, stretched to the size the dataset's features were extracted at, as its images were): the answer, its top-5 probabilities, the program the run's generator predicted as a tree, and the words the vocabulary does not know.",
    },
    parts: () => [],
  });
  if (!opened) return 0;
  const { opts, run } = opened;
  // Output paths are checked (and their folders made) before the model loads and the questions are answered.
  if (opts.output_json) prepareOutputFile(opts.output_json, '--output_json');
  if (opts.out) prepareOutputDir(opts.out, '--out');
  const source = await featureSourceFor(run.files.trainFeatures);
  let predictor: Predictor | undefined;
  try {
    predictor = new Predictor(await run.loadModel(source.extractor.outputShape), run.vocab, source);
    if (opts.questions_json && opts.image_dir && opts.output_json)
      return await predictBatch(
        predictor,
        run.file,
        {
          questionsJson: opts.questions_json,
          imageDir: opts.image_dir,
          output: opts.output_json,
          batchSize: opts.batch_size,
        },
        io,
      );
    return await predictOne(
      predictor,
      { image: opts.image!, question: opts.question!, program: opts.program, out: opts.out },
      io,
    );
  } finally {
    if (predictor) predictor.dispose();
    else source.extractor.dispose?.();
  }
}

const PROGRAM_SOURCE: Record<Prediction['programSource'], string> = {
  predicted: "predicted by the run's program generator",
  given: 'given with --program',
  none: 'none',
};

async function predictOne(
  predictor: Predictor,
  opts: { image: string; question: string; program?: string; out?: string },
  io: CliIo,
): Promise<number> {
  const image = await readImageFile(opts.image);
  const features = predictor.imageFeatures(image);
  let prediction: Prediction;
  try {
    [prediction] = predictor.answer([{ features, question: opts.question, program: opts.program }], {
      capture: opts.out !== undefined,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/^--program|^no word|^(program|question): token|question word/.test(message))
      throw new UsageError(message);
    throw error;
  }
  if (prediction.unknownWords.length)
    io.err(`warning: not in the vocabulary, read as <UNK>: ${prediction.unknownWords.join(', ')}`);
  const { imageHeight, imageWidth } = predictor.source;
  io.out(
    `image: ${opts.image} (${image.width}x${image.height}, stretched to ${imageWidth}x${imageHeight} for the features)`,
  );
  io.out(`question: ${opts.question}`);
  io.out(`answer: ${prediction.answer}`);
  io.out(
    `top ${prediction.top.length}: ${prediction.top.map((t) => `${t.answer} ${t.probability.toFixed(3)}`).join(', ')}`,
  );
  const treeLines = prediction.tree ? formatProgramTree(prediction.tree) : [];
  if (prediction.tree) {
    io.out(`program (${PROGRAM_SOURCE[prediction.programSource]}):`);
    for (const line of treeLines) io.out(`  ${line}`);
  } else io.out(`program: none (${predictor.model.name} answers without a program)`);
  io.out(`unknown words: ${prediction.unknownWords.length ? prediction.unknownWords.join(', ') : 'none'}`);
  if (opts.out) {
    const page = writeStepImages(opts.out, image, opts.question, prediction, treeLines);
    io.out(`step images: ${page}`);
  }
  return 0;
}

/** Writes the step PNGs (execution order) and index.html into `dir`; returns the page's path. */
function writeStepImages(
  dir: string,
  image: FloatRgbImage,
  question: string,
  prediction: Prediction,
  treeLines: string[],
): string {
  mkdirSync(dir, { recursive: true });
  const shown = displayImage(image);
  writeFileAtomic(join(dir, 'image.png'), pngBytes(shown));
  const steps: { label: string; file: string }[] = [];
  const maps = new Map((prediction.steps ?? []).map((s) => [s.step, s]));
  // Program steps in the order they run (inputs first); attention hops in hop order. A step without a map of its
  // own (the `scene` leaf; an answer module whose output is a vector) shows the image alone.
  const order: { token: string; map?: StepMap }[] =
    prediction.tree && prediction.programSource !== 'none'
      ? executionOrder(prediction.tree).map((n) => ({ token: n.token, map: maps.get(n.step) }))
      : (prediction.steps ?? []).map((s) => ({ token: s.token, map: s }));
  order.forEach(({ token, map }, i) => {
    const file = `step-${String(i + 1).padStart(2, '0')}-${token.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/_+$/, '')}.png`;
    writeFileAtomic(join(dir, file), pngBytes(map ? overlayImage(shown, map.map, map.shape) : shown));
    const note = token === 'scene' ? 'the whole image' : 'no map: its output is not over the image';
    steps.push({ label: map ? token : `${token} (${note})`, file });
  });
  const page = join(dir, 'index.html');
  writeFileAtomic(
    page,
    predictionHtml({
      image: 'image.png',
      question,
      answer: prediction.answer,
      top: prediction.top,
      programSource: PROGRAM_SOURCE[prediction.programSource],
      programLines: treeLines,
      unknownWords: prediction.unknownWords,
      steps,
      stepsCaption:
        prediction.programSource === 'none'
          ? 'Each attention hop over the image (brighter and yellow = more attention).'
          : "Each program step in the order it runs, inputs first: the norm of the module's output over the image, scaled to its maximum (brighter and yellow = higher).",
    }),
  );
  return page;
}

const questionsFileSchema = z.union([
  z.object({ questions: z.array(z.unknown()) }).loose(),
  z.array(z.unknown()),
]);
const questionEntrySchema = z
  .object({
    question: z.string().min(1),
    image_filename: z.string().min(1).optional(),
    image_index: z.number().int().nonnegative().optional(),
    split: z.string().optional(),
    question_index: z.number().int().optional(),
  })
  .loose();

/** One answer line of a batch prediction. */
interface BatchAnswer {
  index: number;
  question_index?: number;
  image_filename: string;
  question: string;
  answer?: string;
  probability?: number;
  program?: string;
  unknown_words?: string[];
  /** Why this question got no answer (unreadable image, no known word). */
  error?: string;
}

async function predictBatch(
  predictor: Predictor,
  checkpoint: string,
  opts: { questionsJson: string; imageDir: string; output: string; batchSize: number },
  io: CliIo,
): Promise<number> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(opts.questionsJson, 'utf8'));
  } catch (error) {
    throw new Error(
      `${opts.questionsJson}: cannot read questions (${error instanceof Error ? error.message : error})`,
    );
  }
  const parsedFile = questionsFileSchema.safeParse(raw);
  if (!parsedFile.success)
    throw new Error(`${opts.questionsJson}: expected {"questions": [...]} or a list of questions`);
  const list = Array.isArray(parsedFile.data) ? parsedFile.data : parsedFile.data.questions;
  const questions = list.map((q, i) => {
    const parsed = questionEntrySchema.safeParse(q);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`${opts.questionsJson}: questions[${i}].${issue.path.join('.')}: ${issue.message}`);
    }
    const { question, image_filename, image_index, split, question_index } = parsed.data;
    const image =
      image_filename ??
      (image_index !== undefined && split
        ? `CLEVR_${split}_${String(image_index).padStart(6, '0')}.png`
        : undefined);
    if (!image)
      throw new Error(
        `${opts.questionsJson}: questions[${i}]: no image_filename (nor image_index and split)`,
      );
    return { question, image, questionIndex: question_index };
  });
  const stream = AnswerStream.open<BatchAnswer>(opts.output, {
    questions_json: opts.questionsJson,
    questions: questions.length,
    image_dir: opts.imageDir,
    checkpoint,
  });
  try {
    if (stream.done.length)
      io.err(`resuming: ${stream.done.length} of ${questions.length} questions already answered`);
    const cache = new Map<string, Float32Array | Error>();
    for (let start = stream.done.length; start < questions.length; start += opts.batchSize) {
      const chunk = questions
        .slice(start, start + opts.batchSize)
        .map((q, k) => ({ ...q, index: start + k }));
      const answers: BatchAnswer[] = chunk.map((q) => ({
        index: q.index,
        ...(q.questionIndex !== undefined ? { question_index: q.questionIndex } : {}),
        image_filename: q.image,
        question: q.question,
      }));
      const ready: { k: number; features: Float32Array }[] = [];
      for (const [k, q] of chunk.entries()) {
        let features = cache.get(q.image);
        if (features === undefined) {
          try {
            features = predictor.imageFeatures(await readImageFile(join(opts.imageDir, q.image)));
          } catch (error) {
            if (!(error instanceof ImageDecodeError)) throw error;
            features = error;
          }
          if (cache.size >= 256) cache.delete(cache.keys().next().value as string);
          cache.set(q.image, features);
        }
        if (features instanceof Error) answers[k].error = features.message;
        else ready.push({ k, features });
      }
      const answerEach = (items: typeof ready) => {
        const predictions = predictor.answer(
          items.map(({ k, features }) => ({ features, question: chunk[k].question })),
        );
        items.forEach(({ k }, j) => {
          answers[k] = { ...answers[k], ...batchFields(predictions[j]) };
        });
      };
      try {
        if (ready.length) answerEach(ready);
      } catch (error) {
        if (!/^no word/.test(error instanceof Error ? error.message : '')) throw error;
        // A question with no known word: the others of the batch one by one, that one with its error.
        for (const item of ready) {
          try {
            answerEach([item]);
          } catch (e) {
            const message = e instanceof Error ? e.message : String(e);
            if (!/^no word/.test(message)) throw e;
            answers[item.k].error = message;
          }
        }
      }
      stream.append(answers);
      io.progressStream.write(`answered ${stream.done.length}/${questions.length}\n`);
    }
    const failed = stream.done.filter((a) => a.error).length;
    writeFileAtomic(
      opts.output,
      `${JSON.stringify({ checkpoint, questions_json: opts.questionsJson, answers: stream.done }, null, 1)}\n`,
    );
    stream.remove();
    io.out(
      `${opts.output}: ${stream.done.length} answers${failed ? ` (${failed} questions without one: see their "error")` : ''}`,
    );
    return 0;
  } catch (error) {
    stream.close();
    throw error;
  }
}

function batchFields(p: Prediction): Partial<BatchAnswer> {
  return {
    answer: p.answer,
    probability: Number(p.top[0].probability.toFixed(4)),
    ...(p.program ? { program: p.program.join(' ') } : {}),
    ...(p.unknownWords.length ? { unknown_words: p.unknownWords } : {}),
  };
}
