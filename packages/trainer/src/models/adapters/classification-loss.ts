import type { ClevrBatch } from '@mmnet/clevr-data';
import { tf } from '@mmnet/core-tensors';
import type { ProgramBatch } from '../model-adapter.js';

/** Mean softmax cross-entropy of `logits` against the batch's answers (0 when the batch has none). */
export function answerLoss(logits: tf.Tensor2D, batch: ClevrBatch): tf.Scalar {
  if (!batch.answers) return tf.scalar(0);
  const labels = tf.oneHot(tf.tensor1d(batch.answers, 'int32'), logits.shape[1]);
  return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
}

/** The batch's features as an NHWC tensor. */
export function featureTensor(batch: ClevrBatch): tf.Tensor4D {
  return tf.tensor4d(batch.features, batch.featureShape);
}

/** The batch's questions [B, Lq] as an int32 tensor. */
export function questionTensor(batch: ProgramBatch): tf.Tensor2D {
  return tf.tensor2d(
    batch.questions,
    [batch.questions.length / batch.questionLength, batch.questionLength],
    'int32',
  );
}

/** The batch's programs, or an error naming the model that needs them. */
export function requirePrograms(
  batch: ProgramBatch,
  model: string,
): { data: Int32Array; shape: [number, number] } {
  if (!batch.programs || !batch.programLength) {
    throw new Error(`${model} needs ground-truth programs, but the question file has none`);
  }
  return { data: batch.programs, shape: [batch.programs.length / batch.programLength, batch.programLength] };
}
