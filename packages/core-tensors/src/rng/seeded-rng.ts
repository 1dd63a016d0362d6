/**
 * A small, fast, seeded random number generator (xoshiro128**), with a serialisable state so that
 * checkpoints can resume a run exactly. Every random choice in mmnet takes one of these.
 */
export interface RngState {
  s: [number, number, number, number];
  spareNormal: number | null;
}

export class Rng {
  private s: Uint32Array;
  private spareNormal: number | null = null;

  constructor(seed: number | RngState) {
    this.s = new Uint32Array(4);
    if (typeof seed === 'number') {
      let x = seed >>> 0;
      // splitmix32 expands the seed into four non-zero words.
      for (let i = 0; i < 4; i++) {
        x = (x + 0x9e3779b9) >>> 0;
        let z = x;
        z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
        z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
        this.s[i] = (z ^ (z >>> 16)) >>> 0;
      }
      if (this.s.every((w) => w === 0)) this.s[0] = 1;
    } else {
      this.setState(seed);
    }
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`Rng.int: n must be a positive integer, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller, caching the second value). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** One element of a non-empty array. */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.choice: empty array');
    return items[this.int(items.length)];
  }

  /** Shuffles in place (Fisher-Yates) and returns the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** An independent generator derived from this one (advances this one by one draw). */
  fork(): Rng {
    return new Rng(this.nextUint32());
  }

  /** A 31-bit integer seed for APIs that take a number (e.g. tfjs random ops). */
  seed(): number {
    return this.nextUint32() >>> 1;
  }

  getState(): RngState {
    return { s: [this.s[0], this.s[1], this.s[2], this.s[3]], spareNormal: this.spareNormal };
  }

  setState(state: RngState): void {
    if (!Array.isArray(state.s) || state.s.length !== 4)
      throw new Error('Rng.setState: state.s must hold 4 words');
    this.s = Uint32Array.from(state.s.map((w) => w >>> 0));
    this.spareNormal = state.spareNormal;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A seeded generator. */
export function createRng(seed: number): Rng {
  return new Rng(seed);
}
