import type { ClevrH5Dataset } from '@mmnet/clevr-data';
import { createRng, tf } from '@mmnet/core-tensors';
import { ANSWER_KINDS, type AnswerKind, answerKind } from '../data/answer-kinds.js';
import { decodeIds, tokensByIndex, type Vocab } from '../data/vocab-file.js';
import type { ModelAdapter, ProgramSource, StepMap } from '../models/model-adapter.js';

export interface Tally {
  correct: number;
  total: number;
}

/** One validation question as shown in reports. */
export interface SampleRecord {
  questionIndex: number;
  imageIndex: number;
  question: string;
  answer: string;
  predicted: string;
  correct: boolean;
  /** Ground-truth program tokens (prefix), when the data has programs. */
  program?: string[];
  /** Predicted program tokens, when the model predicts programs. */
  predictedProgram?: string[];
  /** [hops][H][W] attention maps. */
  attention?: number[][][];
  /** [steps][slots] memory addressing. */
  addressing?: number[][];
  /** The executed program's steps in the order they ran (inputs first), each with its map [H][W]. */
  steps?: { token: string; map: number[][] }[];
}

export interface EvalResult {
  count: number;
  loss: number;
  accuracy: number;
  perKind: Partial<Record<AnswerKind, Tally>>;
  perFamily: Record<string, Tally>;
  /** Fraction of predicted programs equal to the ground truth (models that predict programs). */
  programExactMatch?: number;
  /**
   * Models with a program generator that can also execute given programs: the same questions answered with
   * the ground-truth programs (what the executor alone can do), next to `accuracy` with the predicted ones.
   */
  givenPrograms?: { accuracy: number; perKind: Partial<Record<AnswerKind, Tally>> };
  samples: SampleRecord[];
}

function bump(table: Record<string, Tally>, key: string, ok: boolean) {
  table[key] ??= { correct: 0, total: 0 };
  const t = table[key];
  t.total++;
  if (ok) t.correct++;
}

function rows<T>(data: ArrayLike<T> & { slice?: unknown }, n: number, width: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < n; i++) out.push(Array.from({ length: width }, (_, j) => data[i * width + j]));
  return out;
}

/**
 * Runs the model over the first `maxSamples` questions of a dataset (in file order) without gradients:
 * accuracy overall, per answer kind and per question family, program exact match, and `sampleCount` samples
 * with what reports show. Deterministic (its own fixed-seed generator).
 */
export function evaluate(
  model: ModelAdapter,
  dataset: ClevrH5Dataset,
  options: {
    batchSize: number;
    maxSamples?: number;
    vocab: Vocab;
    sampleCount: number;
    step: number;
    /** Which programs a model with a program generator executes (default: its own). */
    programs?: ProgramSource;
  },
): EvalResult {
  const answerTokens = tokensByIndex(options.vocab.answer_token_to_idx);
  const questionTokens = tokensByIndex(options.vocab.question_token_to_idx);
  const programTokens = tokensByIndex(options.vocab.program_token_to_idx);
  const total = Math.min(dataset.size, options.maxSamples ?? dataset.size);
  const rng = createRng(12345);
  const perKind: Record<string, Tally> = {};
  const perFamily: Record<string, Tally> = {};
  const samples: SampleRecord[] = [];
  let correct = 0;
  let lossSum = 0;
  let programMatches = 0;
  let programsSeen = 0;
  for (let start = 0; start < total; start += options.batchSize) {
    const indices = Int32Array.from(
      { length: Math.min(options.batchSize, total - start) },
      (_, i) => start + i,
    );
    const batch = dataset.readBatch(indices);
    if (!batch.answers) throw new Error('evaluation needs answers in the question file');
    const b = indices.length;
    const wantSamples = Math.max(0, Math.min(b, options.sampleCount - samples.length));
    let steps: StepMap[][] | undefined;
    const out = tf.tidy(() => {
      const o = model.forward(batch, {
        training: false,
        trainMode: 'PG+EE',
        rng,
        step: options.step,
        programs: options.programs,
        capture: wantSamples > 0,
      });
      steps = o.steps;
      return {
        loss: o.loss.dataSync()[0],
        predicted: tf.argMax(o.logits, -1).dataSync() as Int32Array,
        programs: o.programs ? { data: o.programs.dataSync(), width: o.programs.shape[1] } : undefined,
        attention:
          wantSamples && o.attention
            ? { data: o.attention.dataSync(), shape: o.attention.shape.slice(1) }
            : undefined,
        addressing:
          wantSamples && o.addressing
            ? { data: o.addressing.dataSync(), shape: o.addressing.shape.slice(1) }
            : undefined,
      };
    });
    lossSum += out.loss * b;
    for (let i = 0; i < b; i++) {
      const truth = batch.answers[i];
      const ok = out.predicted[i] === truth;
      if (ok) correct++;
      bump(perKind, answerKind(answerTokens[truth] ?? ''), ok);
      if (batch.questionFamilies) bump(perFamily, String(batch.questionFamilies[i]), ok);
      let gtProgram: string[] | undefined;
      let predProgram: string[] | undefined;
      if (batch.programs && batch.programLength) {
        gtProgram = decodeIds(
          batch.programs.subarray(i * batch.programLength, (i + 1) * batch.programLength),
          programTokens,
        );
      }
      if (out.programs) {
        predProgram = decodeIds(
          Array.from(out.programs.data.subarray(i * out.programs.width, (i + 1) * out.programs.width)),
          programTokens,
        );
        if (gtProgram) {
          programsSeen++;
          if (predProgram.join(' ') === gtProgram.join(' ')) programMatches++;
        }
      }
      if (i < wantSamples) {
        const sample: SampleRecord = {
          questionIndex: indices[i],
          imageIndex: batch.imageIdxs[i],
          question: decodeIds(
            batch.questions.subarray(i * batch.questionLength, (i + 1) * batch.questionLength),
            questionTokens,
          ).join(' '),
          answer: answerTokens[truth] ?? String(truth),
          predicted: answerTokens[out.predicted[i]] ?? String(out.predicted[i]),
          correct: ok,
          program: gtProgram,
          predictedProgram: predProgram,
        };
        if (out.attention) {
          const [hops, h, w] = out.attention.shape;
          const per = hops * h * w;
          const flat = Array.from(out.attention.data.subarray(i * per, (i + 1) * per));
          sample.attention = Array.from({ length: hops }, (_, k) => rows(flat.slice(k * h * w), h, w));
        }
        const sampleSteps = steps?.[i];
        if (sampleSteps?.length) {
          // Reversed prefix order is an order of execution: every input before its function.
          sample.steps = [...sampleSteps]
            .sort((a, b) => b.step - a.step)
            .map((st) => ({ token: st.token, map: rows(Array.from(st.map), st.shape[0], st.shape[1]) }));
        }
        if (out.addressing) {
          const [steps, slots] = out.addressing.shape;
          const flat = Array.from(out.addressing.data.subarray(i * steps * slots, (i + 1) * steps * slots));
          sample.addressing = rows(flat, steps, slots);
        }
        samples.push(sample);
      }
    }
  }
  const orderedKinds: Partial<Record<AnswerKind, Tally>> = {};
  for (const k of ANSWER_KINDS) if (perKind[k]) orderedKinds[k] = perKind[k];
  return {
    count: total,
    loss: lossSum / Math.max(1, total),
    accuracy: correct / Math.max(1, total),
    perKind: orderedKinds,
    perFamily,
    programExactMatch: programsSeen ? programMatches / programsSeen : undefined,
    samples,
  };
}
