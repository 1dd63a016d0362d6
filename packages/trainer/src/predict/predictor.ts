import { type ClevrBatch, type FloatRgbImage, resizeForExtractor } from '@mmnet/clevr-data';
import { createRng, tf } from '@mmnet/core-tensors';
import { clevrArity, decodeTokens, tokensByIndex, type Vocab } from '@mmnet/programs';
import type { FeatureSource } from '../data/feature-source.js';
import { encodeProgram } from '../data/question-encoding.js';
import type { ModelAdapter, StepMap } from '../models/model-adapter.js';
import { type DisplayNode, prefixTree } from './program-tree.js';
import { encodeFreeQuestion } from './question-words.js';

/** One question to answer: the image's features, the question in words, and optionally its program. */
export interface PredictionInput {
  features: Float32Array;
  question: string;
  /** Prefix program tokens to execute instead of the model's own (PG, PG_memory). */
  program?: string;
}

export interface Prediction {
  answer: string;
  /** The most likely answers, best first. */
  top: { answer: string; probability: number }[];
  /** The executed program's prefix tokens (predicted or given); none for models without programs. */
  program?: string[];
  programSource: 'predicted' | 'given' | 'none';
  tree?: DisplayNode;
  /** Question words read as `<UNK>`. */
  unknownWords: string[];
  /** With `capture`: the executed steps' maps (prefix order), or a SAN's attention per hop. */
  steps?: StepMap[];
}

/** A loaded model with its vocabulary and the feature extractor of its dataset: answers questions in words. */
export class Predictor {
  private readonly answers: string[];
  private readonly programTokens: string[];

  constructor(
    readonly model: ModelAdapter,
    readonly vocab: Vocab,
    readonly source: FeatureSource,
  ) {
    this.answers = tokensByIndex(vocab.answer_token_to_idx);
    this.programTokens = tokensByIndex(vocab.program_token_to_idx);
  }

  /** [h, w, c] of one image's features. */
  get featureShape(): [number, number, number] {
    return this.source.extractor.outputShape;
  }

  /** The features of an image of any size (a decoded PNG or JPEG), extracted as the dataset's were. */
  imageFeatures(image: FloatRgbImage): Float32Array {
    const { imageHeight: h, imageWidth: w } = this.source;
    const resized = resizeForExtractor(image, h, w, this.source.extractor.resample);
    return tf.tidy(
      () => this.source.extractor.extract(tf.tensor4d(resized.data, [1, h, w, 3])).dataSync() as Float32Array,
    );
  }

  /**
   * Answers a batch of questions (all with a given program, or none). Unknown words become `<UNK>`; a question
   * with no known word, a model that needs a program it cannot predict, or a bad program token is an error.
   */
  answer(
    inputs: readonly PredictionInput[],
    options: { capture?: boolean; topK?: number } = {},
  ): Prediction[] {
    const model = this.model;
    const given = inputs.some((i) => i.program !== undefined);
    if (given && inputs.some((i) => i.program === undefined))
      throw new Error('give a program for every question of a batch, or for none');
    if (given && model.executesGivenPrograms === false)
      throw new Error(
        `--program: model ${model.name} executes the programs of its own generator, not given ones`,
      );
    if (!given && !model.predictsPrograms && model.executesGivenPrograms)
      throw new Error(
        `--program: this ${model.name} run has no program generator (trained without model_config.programGenerator); pass --program "exist filter_color[red] scene" or use a run that has one`,
      );
    const n = inputs.length;
    const encoded = inputs.map((i) => encodeFreeQuestion(i.question, this.vocab.question_token_to_idx));
    const [fh, fw, fc] = this.featureShape;
    const per = fh * fw * fc;
    const features = new Float32Array(n * per);
    inputs.forEach((input, i) => {
      if (input.features.length !== per)
        throw new Error(`features of question ${i}: ${input.features.length} values, expected ${per}`);
      features.set(input.features, i * per);
    });
    const questions = padRows(encoded.map((e) => e.ids));
    const batch: ClevrBatch = {
      indices: Int32Array.from({ length: n }, (_, i) => i),
      features,
      featureShape: [n, fh, fw, fc],
      questions: questions.data,
      questionLength: questions.width,
      imageIdxs: Int32Array.from({ length: n }, (_, i) => i),
    };
    if (given) {
      const programs = padRows(
        inputs.map((i) => encodeProgram(i.program ?? '', this.vocab.program_token_to_idx)),
      );
      batch.programs = programs.data;
      batch.programLength = programs.width;
    }
    const topK = options.topK ?? 5;
    let steps: StepMap[][] | undefined;
    const out = tf.tidy(() => {
      const o = model.forward(batch, {
        training: false,
        trainMode: 'PG+EE',
        rng: createRng(0),
        step: 0,
        programs: given ? 'given' : undefined,
        capture: options.capture,
      });
      steps = o.steps;
      const probs = tf.softmax(o.logits);
      const top = tf.topk(probs, Math.min(topK, probs.shape[1]));
      return {
        values: top.values.dataSync() as Float32Array,
        indices: top.indices.dataSync() as Int32Array,
        k: top.values.shape[1],
        programs: o.programs ? { data: o.programs.dataSync(), width: o.programs.shape[1] } : undefined,
        attention:
          options.capture && o.attention
            ? { data: o.attention.dataSync(), shape: o.attention.shape }
            : undefined,
      };
    });
    return inputs.map((input, i) => {
      const top = Array.from({ length: out.k }, (_, j) => ({
        answer: this.answers[out.indices[i * out.k + j]] ?? String(out.indices[i * out.k + j]),
        probability: out.values[i * out.k + j],
      }));
      let program: string[] | undefined;
      let programSource: Prediction['programSource'] = 'none';
      if (given) {
        program = input.program?.trim().split(/\s+/);
        programSource = 'given';
      } else if (out.programs) {
        const row = out.programs.data.subarray(i * out.programs.width, (i + 1) * out.programs.width);
        program = decodeTokens(Array.from(row), this.programTokens);
        programSource = 'predicted';
      }
      const prediction: Prediction = {
        answer: top[0].answer,
        top,
        program,
        programSource,
        tree: program ? prefixTree(program, (token) => clevrArity(token) ?? 0) : undefined,
        unknownWords: encoded[i].unknown,
      };
      if (options.capture) prediction.steps = steps?.[i] ?? attentionSteps(out.attention, i);
      return prediction;
    });
  }

  dispose(): void {
    this.model.dispose();
    this.source.extractor.dispose?.();
  }
}

/** Rows of ids padded with `<NULL>` to the longest. */
function padRows(rows: number[][]): { data: Int32Array; width: number } {
  const width = Math.max(...rows.map((r) => r.length));
  const data = new Int32Array(rows.length * width);
  rows.forEach((r, i) => data.set(r, i * width));
  return { data, width };
}

/** A SAN's attention maps [B, hops, H, W] of sample `i` as steps (one per hop). */
function attentionSteps(
  attention: { data: ArrayLike<number>; shape: number[] } | undefined,
  i: number,
): StepMap[] | undefined {
  if (attention?.shape.length !== 4) return undefined;
  const [, hops, h, w] = attention.shape;
  return Array.from({ length: hops }, (_, k) => {
    const from = (i * hops + k) * h * w;
    return {
      step: k,
      token: `attention hop ${k + 1}`,
      map: Float32Array.from(Array.prototype.slice.call(attention.data, from, from + h * w)),
      shape: [h, w] as [number, number],
    };
  });
}
