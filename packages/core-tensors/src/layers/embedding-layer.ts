import type * as tf from '@tensorflow/tfjs-core';
import { embed } from '../ops/dense.js';
import type { Initializer } from '../params/initializers.js';
import { normal } from '../params/initializers.js';
import type { ParameterScope } from '../params/parameter-store.js';

/** A token embedding table `table` [vocab, dim]; ids outside the vocabulary are a clear error. */
export class Embedding {
  readonly table: tf.Variable;

  constructor(
    scope: ParameterScope,
    readonly vocabSize: number,
    readonly dim: number,
    init: Initializer = normal(1),
  ) {
    this.table = scope.create('table', [vocabSize, dim], init);
  }

  apply(ids: tf.Tensor): tf.Tensor {
    return embed(this.table as tf.Tensor as tf.Tensor2D, ids);
  }
}
