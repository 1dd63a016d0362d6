import { z } from 'zod';
import { FeaturesH5Reader, nchwToNhwc } from '../h5/features-h5.js';
import { matrixRows } from '../h5/int-arrays.js';
import { type QuestionArrays, readQuestionsH5 } from '../h5/questions-h5.js';
import { epochOrder } from './epoch-order.js';

export const clevrH5DatasetConfigSchema = z.object({
  /** Question file from preprocess-questions (questions, image_idxs, programs, answers, ...). */
  questionsH5: z.string().min(1),
  /** Feature file from extract-features (`features` [N, C, H, W]). */
  featuresH5: z.string().min(1),
  batchSize: z.number().int().positive(),
  shuffle: z.boolean().default(true),
  seed: z.number().int().default(0),
  /** Drop the last batch of an epoch when it is smaller than `batchSize`. */
  dropLast: z.boolean().default(false),
  /** Only the first `maxSamples` questions (like the reference's --num_train_samples). */
  maxSamples: z.number().int().positive().optional(),
  /** Read the next batch while the caller works on the current one (default true). */
  prefetch: z.boolean().default(true),
  /** Layout of `features` in batches: NHWC (tfjs convolutions) or NCHW (as stored). */
  layout: z.enum(['nhwc', 'nchw']).default('nhwc'),
});
export type ClevrH5DatasetConfig = z.input<typeof clevrH5DatasetConfigSchema>;

/** One batch: row-major typed arrays with their shapes; no tensors (the caller decides backend and lifetime). */
export interface ClevrBatch {
  /** Question rows of the batch (positions in the question file). */
  indices: Int32Array;
  /** [B, H, W, C] (nhwc) or [B, C, H, W] (nchw). */
  features: Float32Array;
  featureShape: [number, number, number, number];
  /** [B, Lq] */
  questions: Int32Array;
  questionLength: number;
  /** [B, Lp], when the question file has programs. */
  programs?: Int32Array;
  programLength?: number;
  answers?: Int32Array;
  questionFamilies?: Int32Array;
  imageIdxs: Int32Array;
}

/**
 * Serves batches from a question HDF5 file and a feature HDF5 file. Question arrays (small) are held in memory;
 * feature rows are read from disk per batch, only those the batch needs. Shuffling is seeded per epoch.
 */
export class ClevrH5Dataset {
  private constructor(
    private readonly config: z.output<typeof clevrH5DatasetConfigSchema>,
    private readonly arrays: QuestionArrays,
    private readonly features: FeaturesH5Reader,
    readonly size: number,
  ) {}

  static async open(config: ClevrH5DatasetConfig): Promise<ClevrH5Dataset> {
    const cfg = clevrH5DatasetConfigSchema.parse(config);
    const arrays = await readQuestionsH5(cfg.questionsH5);
    const features = await FeaturesH5Reader.open(cfg.featuresH5);
    const size = Math.min(arrays.questions.rows, cfg.maxSamples ?? Number.POSITIVE_INFINITY);
    for (let i = 0; i < size; i++) {
      const img = arrays.imageIdxs[i];
      if (img < 0 || img >= features.rows) {
        features.close();
        throw new Error(
          `${cfg.questionsH5}: image_idxs[${i}] = ${img}, but ${cfg.featuresH5} has features for ${features.rows} images`,
        );
      }
    }
    return new ClevrH5Dataset(cfg, arrays, features, size);
  }

  /** Batches per epoch. */
  get numBatches(): number {
    const { batchSize, dropLast } = this.config;
    return dropLast ? Math.floor(this.size / batchSize) : Math.ceil(this.size / batchSize);
  }

  /** [C, H, W] of one image's features as stored. */
  get featureShapeCHW(): [number, number, number] {
    const [, c, h, w] = this.features.shape;
    return [c, h, w];
  }

  get hasPrograms(): boolean {
    return this.arrays.programs !== undefined;
  }

  get hasAnswers(): boolean {
    return this.arrays.answers !== undefined;
  }

  /** The question rows of epoch `epoch`, in the order they are served. */
  order(epoch: number): Int32Array {
    return epochOrder(this.size, this.config.seed, epoch, this.config.shuffle);
  }

  /** Reads the batch made of question rows `indices`. */
  readBatch(indices: Int32Array): ClevrBatch {
    const b = indices.length;
    const imageIdxs = gather(this.arrays.imageIdxs, indices);
    const nchw = this.features.readRows(imageIdxs);
    const [c, h, w] = this.featureShapeCHW;
    const nhwc = this.config.layout === 'nhwc';
    const batch: ClevrBatch = {
      indices,
      features: nhwc ? nchwToNhwc(nchw, b, c, h, w) : nchw,
      featureShape: nhwc ? [b, h, w, c] : [b, c, h, w],
      questions: matrixRows(this.arrays.questions, indices),
      questionLength: this.arrays.questions.cols,
      imageIdxs,
    };
    if (this.arrays.programs) {
      batch.programs = matrixRows(this.arrays.programs, indices);
      batch.programLength = this.arrays.programs.cols;
    }
    if (this.arrays.answers) batch.answers = gather(this.arrays.answers, indices);
    if (this.arrays.questionFamilies) batch.questionFamilies = gather(this.arrays.questionFamilies, indices);
    return batch;
  }

  /** The batches of epoch `epoch` (0-based), optionally reading each next batch ahead. */
  async *epoch(epoch = 0): AsyncGenerator<ClevrBatch, void, undefined> {
    const order = this.order(epoch);
    const { batchSize } = this.config;
    const count = this.numBatches;
    const slice = (k: number) => order.subarray(k * batchSize, Math.min((k + 1) * batchSize, order.length));
    if (!this.config.prefetch) {
      for (let k = 0; k < count; k++) yield this.readBatch(slice(k));
      return;
    }
    // The next batch is read on the next turn of the event loop, i.e. while the caller awaits its own work.
    const readLater = (k: number) =>
      new Promise<ClevrBatch>((resolve, reject) =>
        setImmediate(() => {
          try {
            resolve(this.readBatch(slice(k)));
          } catch (err) {
            reject(err);
          }
        }),
      );
    let next = count > 0 ? readLater(0) : undefined;
    for (let k = 0; k < count; k++) {
      const current = await next!;
      next = k + 1 < count ? readLater(k + 1) : undefined;
      // Keep a rejected prefetch from being reported as unhandled if the caller stops early.
      next?.catch(() => {});
      yield current;
    }
  }

  close(): void {
    this.features.close();
  }
}

function gather(values: Int32Array, indices: Int32Array): Int32Array {
  const out = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = values[indices[i]];
  return out;
}
