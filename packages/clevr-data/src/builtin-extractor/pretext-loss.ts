import { tf } from '@mmnet/core-tensors';
import { ATTRIBUTE_GROUPS, GROUP_OFFSETS } from './attribute-groups.js';

/**
 * Cross-entropy of the per-cell attribute logits [B, h, w, 19] against class targets [B * h * w * 4]
 * (cell-major, groups last), averaged over cells and summed over groups. Cells showing an object weigh
 * `objectCellWeight` times a ground cell (objects cover a small part of a CLEVR image).
 */
export function pretextLoss(logits: tf.Tensor4D, targets: tf.Tensor1D, objectCellWeight = 1): tf.Scalar {
  return tf.tidy(() => {
    const [b, h, w, c] = logits.shape;
    const cells = b * h * w;
    const flat = tf.reshape(logits, [cells, c]) as tf.Tensor2D;
    const t = tf.reshape(targets, [cells, ATTRIBUTE_GROUPS.length]) as tf.Tensor2D;
    // A cell shows an object when its colour class is not `none`.
    const noneColor = ATTRIBUTE_GROUPS[0].classes.length - 1;
    const isObject = tf.cast(tf.notEqual(tf.slice(t, [0, 0], [cells, 1]), noneColor), 'float32');
    const weights = tf.add(1, tf.mul(isObject, objectCellWeight - 1)); // [cells, 1]
    let total = tf.scalar(0);
    ATTRIBUTE_GROUPS.forEach((group, g) => {
      const n = group.classes.length;
      const groupLogits = tf.slice(flat, [0, GROUP_OFFSETS[g]], [cells, n]);
      const logp = tf.logSoftmax(groupLogits);
      const onehot = tf.oneHot(tf.reshape(tf.slice(t, [0, g], [cells, 1]), [cells]) as tf.Tensor1D, n);
      const nll = tf.neg(tf.sum(tf.mul(onehot, logp), 1, true)); // [cells, 1]
      total = tf.add(total, tf.div(tf.sum(tf.mul(nll, weights)), tf.sum(weights)));
    });
    return total as tf.Scalar;
  });
}

/** Per-group softmax of attribute logits [B, h, w, 19] -> probabilities of the same shape. */
export function attributeProbabilities(logits: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const parts = ATTRIBUTE_GROUPS.map((group, g) => {
      const [b, h, w] = logits.shape;
      return tf.softmax(tf.slice(logits, [0, 0, 0, GROUP_OFFSETS[g]], [b, h, w, group.classes.length]));
    });
    return tf.concat(parts, 3) as tf.Tensor4D;
  });
}

/** Argmax class of each group per cell: [cells * 4] (cell-major, groups last), from logits [B, h, w, 19]. */
export function predictedClasses(logits: tf.Tensor4D): Int32Array {
  const values = logits.dataSync();
  const c = logits.shape[3];
  const cells = values.length / c;
  const groups = ATTRIBUTE_GROUPS.length;
  const out = new Int32Array(cells * groups);
  for (let cell = 0; cell < cells; cell++) {
    for (let g = 0; g < groups; g++) {
      let best = 0;
      for (let k = 1; k < ATTRIBUTE_GROUPS[g].classes.length; k++) {
        if (values[cell * c + GROUP_OFFSETS[g] + k] > values[cell * c + GROUP_OFFSETS[g] + best]) best = k;
      }
      out[cell * groups + g] = best;
    }
  }
  return out;
}

/** Agreement counts of predicted with true cell classes. */
export class PretextAccuracy {
  /** Per group: correct among cells whose true class is an object attribute. */
  private readonly objectCorrect = new Float64Array(ATTRIBUTE_GROUPS.length);
  private objectCells = 0;
  /** Cells whose object/ground decision (colour `none` or not) is right, of all cells. */
  private objectnessCorrect = 0;
  private cells = 0;

  add(predicted: Int32Array, targets: Int32Array): void {
    if (predicted.length !== targets.length) {
      throw new Error(`pretext accuracy: ${predicted.length} predictions for ${targets.length} targets`);
    }
    const groups = ATTRIBUTE_GROUPS.length;
    const none = ATTRIBUTE_GROUPS[0].classes.length - 1;
    for (let cell = 0; cell < targets.length / groups; cell++) {
      const trueObject = targets[cell * groups] !== none;
      const predObject = predicted[cell * groups] !== none;
      if (trueObject === predObject) this.objectnessCorrect++;
      this.cells++;
      if (!trueObject) continue;
      this.objectCells++;
      for (let g = 0; g < groups; g++) {
        if (predicted[cell * groups + g] === targets[cell * groups + g]) this.objectCorrect[g]++;
      }
    }
  }

  /**
   * `objectness`: object-vs-ground accuracy over all cells; `color`, `shape`, `material`, `size`: accuracy
   * over the cells that show an object (a `none` prediction there counts as wrong).
   */
  summary(): Record<string, number> {
    const out: Record<string, number> = { objectness: this.cells ? this.objectnessCorrect / this.cells : 0 };
    ATTRIBUTE_GROUPS.forEach((g, i) => {
      out[g.name] = this.objectCells ? this.objectCorrect[i] / this.objectCells : 0;
    });
    out.objectCells = this.objectCells;
    out.cells = this.cells;
    return out;
  }
}
