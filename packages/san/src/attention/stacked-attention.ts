import {
  additiveAttentionScores,
  Linear,
  type ParameterScope,
  spatialSoftmaxAttention,
  tf,
} from '@mmnet/core-tensors';

/** The image side of the attention, computed once per forward and shared by every hop. */
export interface AttentionContext {
  /** Stem features [N, H, W, d]. */
  features: tf.Tensor4D;
  /** Wv v + bv [N, H*W, attentionDim]. */
  projected: tf.Tensor3D;
}

export interface AttentionHop {
  /** Attention weights [N, H, W], summing to 1 per sample. */
  map: tf.Tensor3D;
  /** Attended image vector v~ = sum of p * v [N, d]. */
  attended: tf.Tensor2D;
}

/**
 * One attention layer of SAN, applied hop after hop with the same weights: h = tanh(Wv v + Wu u), p = softmax
 * over positions of Wp h, v~ = sum p * v.
 * Wv and Wp are 1x1 convolutions (products over positions).
 */
export class StackedAttention {
  readonly imageProjection: Linear;
  readonly queryProjection: Linear;
  readonly score: Linear;

  constructor(scope: ParameterScope, dim: number, attentionDim: number) {
    this.imageProjection = new Linear(scope.scope('wv'), dim, attentionDim);
    this.queryProjection = new Linear(scope.scope('wu'), dim, attentionDim);
    this.score = new Linear(scope.scope('wp'), attentionDim, 1);
  }

  context(features: tf.Tensor4D): AttentionContext {
    const [n, h, w, d] = features.shape;
    const image = this.imageProjection.apply(tf.reshape(features, [n * h * w, d]));
    const projected = tf.reshape(image, [n, h * w, -1]);
    return { features, projected: projected as tf.Tensor3D };
  }

  private scoreWeight(): tf.Tensor2D {
    return this.score.weight as tf.Tensor as tf.Tensor2D;
  }

  private scoreBias(): tf.Tensor1D {
    return (this.score.bias ?? tf.zeros([1])) as tf.Tensor as tf.Tensor1D;
  }

  /** One hop for query u [N, d]. */
  hop(ctx: AttentionContext, u: tf.Tensor2D): AttentionHop {
    const [n, h, w] = ctx.features.shape;
    const query = this.queryProjection.apply(u) as tf.Tensor2D;
    const scores = tf.reshape(
      additiveAttentionScores(ctx.projected, query, this.scoreWeight(), this.scoreBias()),
      [n, h, w],
    );
    const { weights, attended } = spatialSoftmaxAttention(ctx.features, scores);
    return { map: tf.reshape(weights, [n, h, w]) as tf.Tensor3D, attended };
  }
}
