import { createRng } from '@mmnet/core-tensors';

/**
 * The order of `size` samples in epoch `epoch` for `seed`: a seeded permutation (the same for the same
 * seed and epoch, different across epochs), or 0..size-1 when `shuffle` is false.
 */
export function epochOrder(size: number, seed: number, epoch: number, shuffle = true): Int32Array {
  const order = Array.from({ length: size }, (_, i) => i);
  if (shuffle) {
    const root = createRng(seed);
    let rng = root.fork();
    for (let e = 0; e < epoch; e++) rng = root.fork();
    rng.shuffle(order);
  }
  return Int32Array.from(order);
}
