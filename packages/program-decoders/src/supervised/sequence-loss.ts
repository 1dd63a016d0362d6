import { tf } from '@mmnet/core-tensors';
import { NULL_ID } from '@mmnet/programs';
import type { Seq2SeqProgramGenerator } from '../generator/seq2seq-program-generator.js';

/**
 * Mean cross-entropy of scores [B, T, V] against int32 targets [B, T], over the positions whose target
 * is not `<NULL>` (padding).
 */
export function maskedSequenceCrossEntropy(logits: tf.Tensor3D, targets: tf.Tensor2D): tf.Scalar {
  const [batch, steps, vocab] = logits.shape;
  if (targets.shape[0] !== batch || targets.shape[1] !== steps) {
    throw new Error(
      `maskedSequenceCrossEntropy: scores [${logits.shape}] do not match targets [${targets.shape}]`,
    );
  }
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits);
    const picked = tf.sum(tf.mul(logp, tf.oneHot(targets, vocab)), -1); // [B, T]
    const mask = tf.cast(tf.notEqual(targets, NULL_ID), 'float32');
    const count = tf.maximum(tf.sum(mask), 1);
    return tf.div(tf.neg(tf.sum(tf.mul(picked, mask))), count) as tf.Scalar;
  });
}

/**
 * The supervised loss of a program generator: teacher forcing on ground-truth programs [B, L]
 * (`<START> tokens <END>` padded with `<NULL>`), cross-entropy of each next token, padding masked.
 */
export function teacherForcedLoss(
  generator: Seq2SeqProgramGenerator,
  questions: tf.Tensor2D,
  programs: tf.Tensor2D,
): tf.Scalar {
  return tf.tidy(() => {
    const [batch, length] = programs.shape;
    const logits = generator.teacherForcedLogits(questions, programs);
    const targets = tf.slice(programs, [0, 1], [batch, length - 1]) as tf.Tensor2D;
    return maskedSequenceCrossEntropy(logits, targets);
  });
}
