import * as tf from '@tensorflow/tfjs-core';

export interface GradientDefinition {
  value: tf.Tensor;
  /** Gradients with respect to each input, in order, given the output's gradient and the saved tensors. */
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[];
}

/** A typed wrapper of tf.customGrad: `define(save, ...inputs)` returns the value and its gradient function. */
export function customGradient<A extends tf.Tensor[]>(
  define: (save: tf.GradSaveFunc, ...inputs: A) => GradientDefinition,
): (...inputs: A) => tf.Tensor {
  const wrapped = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const result = define(save, ...(args.slice(0, -1) as A));
    return {
      value: result.value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => result.gradFunc(dy as tf.Tensor, saved),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (...inputs: A) => wrapped(...inputs) as tf.Tensor;
}
