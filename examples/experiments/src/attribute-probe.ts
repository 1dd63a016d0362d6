import { createRng } from '@mmnet/core-tensors';
import { ATTRIBUTES, type Attribute, type AttributeReader, type FeatureMap } from './perception-ceiling.js';

/*
 * A linear probe of the features: one softmax regression per attribute from an object's pooled features (the
 * mean and the max of every channel over its cells) to the attribute's value. Trained on the objects of the
 * training scenes, it reads attributes as well as a linear read-out of the features can, which a model that
 * pools an object's cells could match.
 */

/** The mean then the max of every channel over the cells (flat row * width + col): [2 * channels]. */
export function pooledFeatures(map: FeatureMap, cells: readonly number[]): Float32Array {
  if (cells.length === 0) throw new Error('attribute probe: an object needs at least one cell');
  const plane = map.height * map.width;
  const out = new Float32Array(2 * map.channels);
  for (let c = 0; c < map.channels; c++) {
    let sum = 0;
    let max = Number.NEGATIVE_INFINITY;
    for (const cell of cells) {
      const v = map.data[c * plane + cell];
      sum += v;
      if (v > max) max = v;
    }
    out[c] = sum / cells.length;
    out[map.channels + c] = max;
  }
  return out;
}

export interface ProbeOptions {
  seed: number;
  epochs: number;
  learningRate: number;
  batchSize: number;
  /** L2 weight decay. */
  l2: number;
}

export const DEFAULT_PROBE_OPTIONS: ProbeOptions = {
  seed: 0,
  epochs: 30,
  learningRate: 0.01,
  batchSize: 128,
  l2: 1e-4,
};

/** A trained softmax regression over standardised inputs. */
export interface LinearProbe {
  classes: number;
  dims: number;
  mean: Float32Array;
  scale: Float32Array;
  /** [dims + 1, classes], the last row the bias. */
  weights: Float32Array;
}

function logits(probe: LinearProbe, x: Float32Array, out: Float64Array): void {
  const { dims, classes, weights, mean, scale } = probe;
  for (let k = 0; k < classes; k++) out[k] = weights[dims * classes + k];
  for (let d = 0; d < dims; d++) {
    const v = (x[d] - mean[d]) * scale[d];
    if (v === 0) continue;
    for (let k = 0; k < classes; k++) out[k] += v * weights[d * classes + k];
  }
}

/** The class a probe gives an input. */
export function probeClass(probe: LinearProbe, x: Float32Array): number {
  const z = new Float64Array(probe.classes);
  logits(probe, x, z);
  let best = 0;
  for (let k = 1; k < probe.classes; k++) if (z[k] > z[best]) best = k;
  return best;
}

/**
 * Trains a softmax regression from inputs (equal lengths) to labels in [0, classes) with Adam on seeded mini-batches
 * of standardised inputs.
 */
export function trainLinearProbe(
  inputs: readonly Float32Array[],
  labels: readonly number[],
  classes: number,
  options: Partial<ProbeOptions> = {},
): LinearProbe {
  const o = { ...DEFAULT_PROBE_OPTIONS, ...options };
  const n = inputs.length;
  if (n === 0 || labels.length !== n)
    throw new Error(`attribute probe: ${n} inputs and ${labels.length} labels`);
  const dims = inputs[0].length;
  labels.forEach((y, i) => {
    if (!(Number.isInteger(y) && y >= 0 && y < classes))
      throw new Error(`attribute probe: label ${y} of input ${i} is not in [0, ${classes})`);
  });
  const mean = new Float32Array(dims);
  const scale = new Float32Array(dims);
  for (const x of inputs) for (let d = 0; d < dims; d++) mean[d] += x[d] / n;
  for (const x of inputs) for (let d = 0; d < dims; d++) scale[d] += (x[d] - mean[d]) ** 2 / n;
  for (let d = 0; d < dims; d++) scale[d] = scale[d] > 1e-12 ? 1 / Math.sqrt(scale[d]) : 0;
  const probe: LinearProbe = { classes, dims, mean, scale, weights: new Float32Array((dims + 1) * classes) };
  const size = probe.weights.length;
  const m = new Float64Array(size);
  const v = new Float64Array(size);
  const grad = new Float64Array(size);
  const z = new Float64Array(classes);
  const rng = createRng(o.seed);
  const order = Array.from({ length: n }, (_, i) => i);
  let t = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (let start = 0; start < n; start += o.batchSize) {
      const batch = order.slice(start, start + o.batchSize);
      grad.fill(0);
      for (const i of batch) {
        logits(probe, inputs[i], z);
        const top = Math.max(...z);
        let total = 0;
        for (let k = 0; k < classes; k++) {
          z[k] = Math.exp(z[k] - top);
          total += z[k];
        }
        for (let k = 0; k < classes; k++) z[k] = (z[k] / total - (k === labels[i] ? 1 : 0)) / batch.length;
        for (let d = 0; d < dims; d++) {
          const x = (inputs[i][d] - mean[d]) * scale[d];
          if (x === 0) continue;
          for (let k = 0; k < classes; k++) grad[d * classes + k] += x * z[k];
        }
        for (let k = 0; k < classes; k++) grad[dims * classes + k] += z[k];
      }
      t++;
      for (let p = 0; p < size; p++) {
        const g = grad[p] + (p < dims * classes ? o.l2 * probe.weights[p] : 0);
        m[p] = 0.9 * m[p] + 0.1 * g;
        v[p] = 0.999 * v[p] + 0.001 * g * g;
        const mHat = m[p] / (1 - 0.9 ** t);
        const vHat = v[p] / (1 - 0.999 ** t);
        probe.weights[p] -= (o.learningRate * mHat) / (Math.sqrt(vHat) + 1e-8);
      }
    }
  }
  return probe;
}

/** One object of a training scene for the probes: its scene's features, its cells and its true attributes. */
export interface ProbeExample {
  map: FeatureMap;
  cells: readonly number[];
  attributes: Record<Attribute, string>;
}

/** One linear probe per attribute, trained on the pooled features of the examples' objects. */
export function trainAttributeProbes(
  examples: readonly ProbeExample[],
  options: Partial<ProbeOptions> = {},
): Record<Attribute, LinearProbe> {
  const inputs = examples.map((e) => pooledFeatures(e.map, e.cells));
  const probes = {} as Record<Attribute, LinearProbe>;
  for (const [name, values] of ATTRIBUTES) {
    const labels = examples.map((e, i) => {
      const y = (values as readonly string[]).indexOf(e.attributes[name]);
      if (y < 0) throw new Error(`attribute probe: example ${i} has ${name} '${e.attributes[name]}'`);
      return y;
    });
    probes[name] = trainLinearProbe(inputs, labels, values.length, options);
  }
  return probes;
}

/** Reads an object's attributes with the probes from its pooled features. */
export function probeReader(probes: Record<Attribute, LinearProbe>): AttributeReader {
  return (map, cells) => {
    const x = pooledFeatures(map, cells);
    const out = {} as Record<Attribute, string>;
    for (const [name, values] of ATTRIBUTES) out[name] = values[probeClass(probes[name], x)];
    return out;
  };
}
