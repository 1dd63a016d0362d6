import { tf } from '@mmnet/core-tensors';

/**
 * Gradients for every variable of a list, zeros for those the loss did not reach (e.g. modules no program of the
 * batch used). tfjs optimizers keep their moments by position in the gradient list, so the list must hold the
 * same variables in the same order at every step (give it to `optimizer.applyGradients`).
 */
export function fillMissingGradients(
  grads: tf.NamedTensorMap,
  variables: readonly tf.Variable[],
): { name: string; tensor: tf.Tensor }[] {
  return variables.map((v) => ({ name: v.name, tensor: grads[v.name] ?? tf.zerosLike(v) }));
}
