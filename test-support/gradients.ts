import type { tf } from '@mmnet/core-tensors';

/** The L2 norm of all of a `tf.variableGrads` result's gradients together, read back as a number. */
export function gradientNorm(grads: Record<string, tf.Tensor>): number {
  return Math.sqrt(Object.values(grads).reduce((sum, g) => sum + g.square().sum().dataSync()[0], 0));
}
