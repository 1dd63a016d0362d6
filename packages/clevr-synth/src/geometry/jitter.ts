import type { Rng } from '@mmnet/core-tensors';

/**
 * An offset in [-jitter, jitter] as render_images.py draws it; with `minJitter` > 0, one whose size lies in
 * [minJitter, jitter] with a random sign (renders outside the training range, whose offsets are at most the
 * training jitter). `minJitter` 0 draws exactly what render_images.py draws, from the same random numbers.
 */
export function jitterOffset(rng: Rng, jitter: number, minJitter = 0): number {
  if (minJitter <= 0) return rng.uniform(-jitter, jitter);
  const size = rng.uniform(minJitter, Math.max(minJitter, jitter));
  return rng.next() < 0.5 ? -size : size;
}
