import type { Rng } from '../rng/seeded-rng.js';

/** Fills a new parameter of a shape with values drawn from the seeded generator. */
export type Initializer = (shape: readonly number[], rng: Rng) => Float32Array;

/**
 * Fan-in and fan-out of a weight: [in, out] for linear layers, [kh, kw, in, out] (HWIO) for convolutions,
 * [rows, width] for memory banks.
 */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[shape.length - 2] * receptive, fanOut: shape[shape.length - 1] * receptive };
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export const zeros: Initializer = (shape) => new Float32Array(sizeOf(shape));

export function constant(value: number): Initializer {
  return (shape) => new Float32Array(sizeOf(shape)).fill(value);
}

export function uniform(limit: number): Initializer {
  return (shape, rng) => {
    const out = new Float32Array(sizeOf(shape));
    for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-limit, limit);
    return out;
  };
}

export function normal(std: number): Initializer {
  return (shape, rng) => {
    const out = new Float32Array(sizeOf(shape));
    for (let i = 0; i < out.length; i++) out[i] = std * rng.normal();
    return out;
  };
}

/** He/Kaiming normal for ReLU layers: std = sqrt(2 / fanIn). */
export const kaimingNormal: Initializer = (shape, rng) =>
  normal(Math.sqrt(2 / fans(shape).fanIn))(shape, rng);

/** He/Kaiming uniform for ReLU layers: limit = sqrt(6 / fanIn). */
export const kaimingUniform: Initializer = (shape, rng) =>
  uniform(Math.sqrt(6 / fans(shape).fanIn))(shape, rng);

/** Glorot/Xavier uniform: limit = sqrt(6 / (fanIn + fanOut)). */
export const xavierUniform: Initializer = (shape, rng) => {
  const { fanIn, fanOut } = fans(shape);
  return uniform(Math.sqrt(6 / (fanIn + fanOut)))(shape, rng);
};

/** PyTorch's default for linear/conv weights and biases: uniform(+-1/sqrt(fanIn)) of the layer's weight. */
export function torchDefault(fanIn: number): Initializer {
  return uniform(1 / Math.sqrt(fanIn));
}
