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
      // tfjs calls a custom gradient outside any tidy of its own (its backprop only tidies the returned
      // gradients), so without this tidy every temporary of every custom gradient would live until the
      // whole backward pass ends (gigabytes on the module networks' 1024-channel stems).
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
        tf.tidy(() => result.gradFunc(dy as tf.Tensor, saved)),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (...inputs: A) => wrapped(...inputs) as tf.Tensor;
}
