import { tf } from '@mmnet/core-tensors';
import { ATTRIBUTE_GROUPS, GROUP_OFFSETS, OBJECTNESS_LOGIT } from './attribute-groups.js';

/** Number of attribute values of group g (without `none`). */
const valuesOf = (g: number) => ATTRIBUTE_GROUPS[g].classes.length - 1;

/**
 * Loss of the per-cell logits [B, h, w, 16] against class targets [B * h * w * 4] (cell-major, groups
 * last, `none` = the last class): a logistic loss on objectness over all cells (cells showing an object
 * weigh `objectCellWeight` times a ground cell), plus, for each group, the cross-entropy of its attribute
 * over the cells showing an object.
 */
export function pretextLoss(logits: tf.Tensor4D, targets: tf.Tensor1D, objectCellWeight = 1): tf.Scalar {
  return tf.tidy(() => {
    const [b, h, w, c] = logits.shape;
    const cells = b * h * w;
    const flat = tf.reshape(logits, [cells, c]) as tf.Tensor2D;
    const t = tf.reshape(targets, [cells, ATTRIBUTE_GROUPS.length]) as tf.Tensor2D;
    const noneColor = valuesOf(0);
    const isObject = tf.cast(tf.notEqual(tf.slice(t, [0, 0], [cells, 1]), noneColor), 'float32'); // [cells, 1]
    // Objectness: stable logistic loss max(z, 0) - z * y + log(1 + exp(-|z|)).
    const z = tf.slice(flat, [0, OBJECTNESS_LOGIT], [cells, 1]);
    const bce = tf.add(tf.sub(tf.relu(z), tf.mul(z, isObject)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
    const weights = tf.add(1, tf.mul(isObject, objectCellWeight - 1));
    let total = tf.div(tf.sum(tf.mul(bce, weights)), tf.sum(weights)) as tf.Scalar;
    const objectCells = tf.maximum(tf.sum(isObject), 1);
    ATTRIBUTE_GROUPS.forEach((_, g) => {
      const n = valuesOf(g);
      const logp = tf.logSoftmax(tf.slice(flat, [0, GROUP_OFFSETS[g]], [cells, n]));
      // Ground cells have class n (none): their one-hot row is all zeros, so they add nothing.
      const onehot = tf.oneHot(tf.reshape(tf.slice(t, [0, g], [cells, 1]), [cells]) as tf.Tensor1D, n);
      const nll = tf.neg(tf.sum(tf.mul(onehot, logp)));
      total = tf.add(total, tf.div(nll, objectCells));
    });
    return total;
  });
}

/**
 * Probabilities from logits [B, h, w, 16], in the label maps' channel order: p(object) * p(value | object)
 * for each colour, shape, material and size value (15), then p(background) = 1 - p(object).
 */
export function attributeProbabilities(logits: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w] = logits.shape;
    const pObject = tf.sigmoid(tf.slice(logits, [0, 0, 0, OBJECTNESS_LOGIT], [b, h, w, 1]));
    const parts = ATTRIBUTE_GROUPS.map((_, g) =>
      tf.mul(pObject, tf.softmax(tf.slice(logits, [0, 0, 0, GROUP_OFFSETS[g]], [b, h, w, valuesOf(g)]))),
    );
    return tf.concat([...parts, tf.sub(1, pObject)], 3) as tf.Tensor4D;
  });
}

/**
 * Predicted class of each group per cell: [cells * 4] (cell-major, groups last); `none` in every group for a
 * cell whose objectness logit is negative, else the most likely value. From logits [B, h, w, 16].
 */
export function predictedClasses(logits: tf.Tensor4D): Int32Array {
  const values = logits.dataSync();
  const c = logits.shape[3];
  const cells = values.length / c;
  const groups = ATTRIBUTE_GROUPS.length;
  const out = new Int32Array(cells * groups);
  for (let cell = 0; cell < cells; cell++) {
    const object = values[cell * c + OBJECTNESS_LOGIT] >= 0;
    for (let g = 0; g < groups; g++) {
      const base = cell * c + GROUP_OFFSETS[g];
      let best = 0;
      for (let k = 1; k < valuesOf(g); k++) if (values[base + k] > values[base + best]) best = k;
      out[cell * groups + g] = object ? best : valuesOf(g);
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
