import { Linear, type ParameterScope, tf } from '@mmnet/core-tensors';

/** SAN's answer classifier: linear(in -> hidden) + ReLU + linear(hidden -> numAnswers). */
export class MlpClassifier {
  readonly hidden: Linear;
  readonly output: Linear;

  constructor(scope: ParameterScope, inDim: number, hiddenDim: number, numAnswers: number) {
    this.hidden = new Linear(scope.scope('fc1'), inDim, hiddenDim);
    this.output = new Linear(scope.scope('fc2'), hiddenDim, numAnswers);
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.output.apply(tf.relu(this.hidden.apply(x))) as tf.Tensor2D);
  }
}
