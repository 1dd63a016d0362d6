import * as tf from '@tensorflow/tfjs-core';

export type NamedGradients = Record<string, tf.Tensor>;

/** Clips every gradient element into [min, max] (the reference's --min_grad/--max_grad). Returns new tensors. */
export function clipGradientsByValue(grads: NamedGradients, min: number, max: number): NamedGradients {
  if (!(min < max)) throw new Error(`clipGradientsByValue: min (${min}) must be below max (${max})`);
  const out: NamedGradients = {};
  for (const [name, g] of Object.entries(grads)) out[name] = tf.clipByValue(g, min, max);
  return out;
}

/** The L2 norm over all gradients together. */
export function globalNorm(grads: NamedGradients): number {
  return tf.tidy(() => {
    const squares = Object.values(grads).map((g) => tf.sum(tf.square(g)));
    if (squares.length === 0) return 0;
    return Math.sqrt(tf.addN(squares).dataSync()[0]);
  });
}

/** Scales all gradients together so that their global L2 norm is at most maxNorm. Returns new tensors and the norm. */
export function clipGradientsByNorm(
  grads: NamedGradients,
  maxNorm: number,
): { grads: NamedGradients; norm: number } {
  if (!(maxNorm > 0)) throw new Error(`clipGradientsByNorm: maxNorm must be > 0, got ${maxNorm}`);
  const norm = globalNorm(grads);
  const scale = norm > maxNorm ? maxNorm / norm : 1;
  const out: NamedGradients = {};
  for (const [name, g] of Object.entries(grads)) out[name] = scale === 1 ? tf.clone(g) : tf.mul(g, scale);
  return { grads: out, norm };
}
