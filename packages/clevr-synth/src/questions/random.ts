/** Any source of uniform numbers in [0, 1): core-tensors' `Rng` fits, so does `createSeededRandom`. */
export interface RandomSource {
  next(): number;
}

/** A small seeded generator (mulberry32) for question generation when no other source is given. */
export function createSeededRandom(seed: number): RandomSource {
  if (!Number.isFinite(seed)) throw new Error(`seed must be a finite number, got ${seed}`);
  let a = Math.floor(seed) >>> 0;
  return {
    next() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/** Shuffles `items` in place (Fisher-Yates) and returns it. */
export function shuffleInPlace<T>(items: T[], rng: RandomSource): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
  return items;
}

/** One element chosen uniformly. */
export function choice<T>(items: readonly T[], rng: RandomSource): T {
  if (items.length === 0) throw new Error('choice from an empty list');
  return items[Math.floor(rng.next() * items.length)];
}
