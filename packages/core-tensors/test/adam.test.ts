import { beforeAll, describe, expect, it } from 'vitest';
import { applyAdamUpdate, applyAdamUpdateWithOps, LeanAdam, tf } from '../src/index.js';
import { randomTensor, relativeError, useBackend } from './helpers.js';

const SHAPES = [[3, 4], [5], [2, 3, 2]];
const CONSTANTS = {
  learningRate: 0.03,
  beta1: 0.9,
  beta2: 0.99,
  epsilon: 1e-7,
  correction1: 0.19,
  correction2: 0.0199,
};

/** Variables with the same seeded initial values, one set per optimiser under comparison. */
function makeVariables(prefix: string): tf.Variable[] {
  return SHAPES.map((shape, i) => tf.variable(randomTensor(shape, 100 + i), true, `${prefix}.${i}`));
}

/** Seeded random gradients for step `s`, keyed by the variables' names. */
function gradientsFor(variables: tf.Variable[], s: number): Record<string, tf.Tensor> {
  return Object.fromEntries(variables.map((v, i) => [v.name, randomTensor(v.shape, 1000 * s + i, 0.5)]));
}

/** The gradients as the named list tf.train.adam takes. */
function asNamedList(grads: Record<string, tf.Tensor>): { name: string; tensor: tf.Tensor }[] {
  return Object.entries(grads).map(([name, tensor]) => ({ name, tensor }));
}

function disposeAll(tensors: Record<string, tf.Tensor> | tf.Tensor[]): void {
  for (const t of Object.values(tensors)) t.dispose();
}

type Apply = (grads: Record<string, tf.Tensor>) => void;

/** Step `s` of two copies of the variables: the same gradients, each copy through its own optimiser. */
function stepBoth(a: tf.Variable[], applyA: Apply, b: tf.Variable[], applyB: Apply, s: number): void {
  const ga = gradientsFor(a, s);
  const gb = gradientsFor(b, s);
  applyA(ga);
  applyB(gb);
  disposeAll(ga);
  disposeAll(gb);
}

describe('LeanAdam (cpu)', () => {
  beforeAll(() => useBackend('cpu'));

  it('matches tf.train.adam over several steps with random gradients, including a learning-rate change', () => {
    const ours = makeVariables('adam.ours');
    const theirs = makeVariables('adam.tfjs');
    const lean = new LeanAdam({ learningRate: 0.01, beta1: 0.8, beta2: 0.99 });
    const reference = tf.train.adam(0.01, 0.8, 0.99);
    for (let s = 0; s < 6; s++) {
      if (s === 3) {
        lean.learningRate = 0.05;
        (reference as unknown as { learningRate: number }).learningRate = 0.05;
      }
      stepBoth(
        ours,
        (g) => lean.applyGradients(g),
        theirs,
        (g) => reference.applyGradients(asNamedList(g)),
        s,
      );
    }
    ours.forEach((v, i) => {
      expect(relativeError(v.dataSync(), theirs[i].dataSync())).toBeLessThan(1e-6);
      // The update moved the value (the comparison is not between two unchanged copies).
      expect(relativeError(v.dataSync(), randomTensor(v.shape, 100 + i).dataSync())).toBeGreaterThan(1e-3);
    });
    expect(lean.stepsOf(ours[0].name)).toBe(6);
    lean.dispose();
    reference.dispose();
    disposeAll([...ours, ...theirs]);
  });

  it('uses the default epsilon of tfjs (1e-7) unless configured', () => {
    expect(new LeanAdam({ learningRate: 1 }).config.epsilon).toBe(1e-7);
    expect(new LeanAdam({ learningRate: 1, epsilon: 1e-3 }).config.epsilon).toBe(1e-3);
    expect(() => new LeanAdam({ learningRate: -1 })).toThrow();
  });

  it('skips variables without a gradient, and names unknown variables', () => {
    const [a, b] = makeVariables('adam.skip');
    const lean = new LeanAdam({ learningRate: 0.1 });
    const before = b.dataSync().slice();
    const grad = tf.onesLike(a);
    lean.applyGradients({ [a.name]: grad, [b.name]: null });
    expect(Array.from(b.dataSync())).toEqual(Array.from(before));
    expect(lean.variables()).toEqual([a.name]);
    expect(() => lean.applyGradients({ 'no.such.variable': grad })).toThrow(/no\.such\.variable/);
    expect(() => lean.applyGradients({ [b.name]: grad })).toThrow(/shape/);
    lean.dispose();
    disposeAll([a, b, grad]);
  });

  it('continues identically after saving and restoring its state into a fresh optimiser', () => {
    const straight = makeVariables('adam.straight');
    const resumed = makeVariables('adam.resumed');
    const first = new LeanAdam({ learningRate: 0.02 });
    const uninterrupted = new LeanAdam({ learningRate: 0.02 });
    // Steps [from, to) of the resumed optimiser and the uninterrupted one, on the same gradients.
    const steps = (resumedAdam: LeanAdam, from: number, to: number) => {
      for (let s = from; s < to; s++)
        stepBoth(
          resumed,
          (g) => resumedAdam.applyGradients(g),
          straight,
          (g) => uninterrupted.applyGradients(g),
          s,
        );
    };
    steps(first, 0, 3);
    // Round-trip through plain arrays, as a checkpoint does.
    const saved = first.getWeights().map((w) => {
      const plain = { variable: w.variable, steps: w.steps, m: w.m.arraySync(), v: w.v.arraySync() };
      w.m.dispose();
      w.v.dispose();
      return plain;
    });
    first.dispose();
    expect(saved.map((w) => w.steps)).toEqual([3, 3, 3]);
    const second = new LeanAdam({ learningRate: 0.02 });
    const restored = saved.map((w) => ({
      ...w,
      m: tf.tensor(w.m as number[]),
      v: tf.tensor(w.v as number[]),
    }));
    second.setWeights(restored);
    for (const w of restored) disposeAll([w.m, w.v]);
    steps(second, 3, 6);
    resumed.forEach((v, i) => expect(Array.from(v.dataSync())).toEqual(Array.from(straight[i].dataSync())));
    const [w0] = second.getWeights();
    expect(w0.steps).toBe(6);
    const wrong = { variable: resumed[0].name, steps: 1, m: tf.zeros([2]), v: tf.zeros([2]) };
    expect(() => second.setWeights([wrong])).toThrow(/shape/);
    disposeAll([w0.m, w0.v, wrong.m, wrong.v]);
    second.dispose();
    uninterrupted.dispose();
    disposeAll([...straight, ...resumed]);
  });

  it('keeps the tensor count constant across steps and frees its moments on dispose', () => {
    const variables = makeVariables('adam.count');
    const start = tf.memory().numTensors;
    const lean = new LeanAdam({ learningRate: 0.01 });
    const counts: number[] = [];
    for (let s = 0; s < 4; s++) {
      const g = gradientsFor(variables, s);
      lean.applyGradients(g);
      disposeAll(g);
      counts.push(tf.memory().numTensors);
    }
    expect(counts).toEqual([start + 6, start + 6, start + 6, start + 6]);
    lean.dispose();
    expect(tf.memory().numTensors).toBe(start);
    disposeAll(variables);
  });

  it('peaks at fewer live bytes than tf.train.adam when updating a large variable', async () => {
    const size = 1 << 20; // 4 MB of float32
    /** Bytes above those alive before the second update, at the fullest point of that update (tf.profile). */
    const extraPeakBytes = async (apply: (grads: Record<string, tf.Tensor>) => void, name: string) => {
      const variable = tf.variable(tf.zeros([size]), true, name);
      const grad = tf.fill([size], 0.5);
      apply({ [name]: grad }); // the first update creates the moments
      const before = tf.memory().numBytes;
      const profile = await tf.profile(() => apply({ [name]: grad }));
      disposeAll([variable, grad]);
      return profile.peakBytes - before;
    };
    const lean = new LeanAdam({ learningRate: 0.01 });
    const reference = tf.train.adam(0.01);
    const leanPeak = await extraPeakBytes((g) => lean.applyGradients(g), 'adam.peak.lean');
    const tfjsPeak = await extraPeakBytes((g) => reference.applyGradients(asNamedList(g)), 'adam.peak.tfjs');
    const moments = [tf.variable(tf.zeros([size]), false), tf.variable(tf.zeros([size]), false)];
    const opsPeak = await extraPeakBytes((g) => {
      const [name, grad] = Object.entries(g)[0];
      const variable = tf.engine().registeredVariables[name];
      applyAdamUpdateWithOps(variable, moments[0], moments[1], grad, CONSTANTS);
    }, 'adam.peak.ops');
    lean.dispose();
    reference.dispose();
    disposeAll(moments);
    const bytes = 4 * size;
    expect(leanPeak).toBeLessThanOrEqual(3 * bytes + 1024);
    expect(opsPeak).toBeLessThanOrEqual(3 * bytes + 1024);
    expect(tfjsPeak).toBeGreaterThan(3 * leanPeak);
  });
});

describe.each(['cpu', 'wasm'] as const)('the fused Adam kernel (%s)', (backend) => {
  beforeAll(() => useBackend(backend));

  it('gives the values and moments of the tfjs-ops update', () => {
    const [fusedVars, opsVars] = ['adam.fused', 'adam.ops'].map((prefix) => {
      const variable = tf.variable(randomTensor([7, 5], 1), true, `${prefix}.${backend}`);
      const m = tf.variable(randomTensor([7, 5], 2, 0.1), false);
      const v = tf.variable(tf.abs(randomTensor([7, 5], 3, 0.01)), false);
      return [variable, m, v];
    });
    const grad = randomTensor([7, 5], 4);
    applyAdamUpdate(fusedVars[0], fusedVars[1], fusedVars[2], grad, CONSTANTS);
    applyAdamUpdateWithOps(opsVars[0], opsVars[1], opsVars[2], grad, CONSTANTS);
    fusedVars.forEach((t, i) => {
      expect(relativeError(t.dataSync(), opsVars[i].dataSync())).toBeLessThan(1e-6);
    });
    expect(relativeError(fusedVars[0].dataSync(), randomTensor([7, 5], 1).dataSync())).toBeGreaterThan(1e-3);
    disposeAll([...fusedVars, ...opsVars, grad]);
  });

  it('makes LeanAdam match tf.train.adam', () => {
    const ours = makeVariables(`adam.${backend}.ours`);
    const theirs = makeVariables(`adam.${backend}.tfjs`);
    const lean = new LeanAdam({ learningRate: 0.01 });
    const reference = tf.train.adam(0.01);
    for (let s = 0; s < 4; s++) {
      stepBoth(
        ours,
        (g) => lean.applyGradients(g),
        theirs,
        (g) => reference.applyGradients(asNamedList(g)),
        s,
      );
    }
    ours.forEach((v, i) => expect(relativeError(v.dataSync(), theirs[i].dataSync())).toBeLessThan(1e-6));
    lean.dispose();
    reference.dispose();
    disposeAll([...ours, ...theirs]);
  });
});
