// The union package registers tfjs-core's gradients (its Node bundle has none).
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../src/addon/native-addon';
import { disableNativeKernels, enableNativeKernels, nativeKernelsStatus } from '../src/index';
import { relativeError, seededTensor, valuesOn } from './helpers';

const TOLERANCE = 1e-4;

await tf.setBackend('wasm');
const probe = enableNativeKernels({ onUnavailable: () => {} });
disableNativeKernels();
if (!probe.enabled) {
  console.warn(`[native-kernels] SKIPPING accelerated-kernel comparisons: ${probe.reason}`);
}

type Compute = () => tf.Tensor | tf.Tensor[];

/** Values with the plain wasm kernels, then with the native ones. */
async function plainAndNative(compute: Compute) {
  disableNativeKernels();
  const plain = await valuesOn('wasm', compute);
  enableNativeKernels();
  const native = await valuesOn('wasm', compute);
  return { plain, native };
}

async function expectNativeMatchesPlain(compute: Compute) {
  const { plain, native } = await plainAndNative(compute);
  expect(native.shapes).toEqual(plain.shapes);
  for (const [i, v] of native.values.entries()) {
    expect(relativeError(v, plain.values[i])).toBeLessThan(TOLERANCE);
  }
}

/** For kernels plain wasm lacks (Conv2DBackpropFilter): the cpu backend is the reference. */
async function expectNativeMatchesCpu(compute: Compute) {
  const reference = await valuesOn('cpu', compute);
  enableNativeKernels();
  const native = await valuesOn('wasm', compute);
  expect(native.shapes).toEqual(reference.shapes);
  for (const [i, v] of native.values.entries()) {
    expect(relativeError(v, reference.values[i])).toBeLessThan(TOLERANCE);
  }
}

describe.skipIf(!probe.enabled)('native kernels against the plain wasm kernels', () => {
  beforeAll(() => {
    enableNativeKernels();
  });
  afterAll(async () => {
    disableNativeKernels();
    await tf.setBackend('wasm');
  });

  it('reports the kernels it serves, the BLAS and the thread count', () => {
    const status = enableNativeKernels();
    expect(status.enabled).toBe(true);
    expect(status.blas).toMatch(/blas|blis|mkl|^builtin$/i);
    expect(status.threads).toBeGreaterThan(0);
    expect(status.kernels.sort()).toEqual(
      [
        'BatchMatMul',
        'Conv2D',
        'Conv2DBackpropFilter',
        'Conv2DBackpropInput',
        'FusedConv2D',
        'MmnetAdamUpdate',
        '_FusedMatMul',
      ].sort(),
    );
  });

  const matMulCases: [number[], number[]][] = [
    [
      [1, 7],
      [7, 5],
    ],
    [
      [33, 17],
      [17, 9],
    ],
    [
      [70, 130],
      [130, 45],
    ],
    [
      [3, 5, 4],
      [3, 4, 6],
    ],
    [
      [1, 1],
      [1, 1],
    ],
  ];
  for (const [aShape, bShape] of matMulCases) {
    for (const transposeA of [false, true]) {
      for (const transposeB of [false, true]) {
        it(`matMul ${aShape} x ${bShape} transposeA=${transposeA} transposeB=${transposeB}`, async () => {
          const swap = (s: number[], t: boolean) => (t ? [...s.slice(0, -2), s.at(-1)!, s.at(-2)!] : s);
          await expectNativeMatchesPlain(() =>
            tf.matMul(
              seededTensor(swap(aShape, transposeA), 1),
              seededTensor(swap(bShape, transposeB), 2),
              transposeA,
              transposeB,
            ),
          );
        });
      }
    }
  }

  it('broadcasts batch dimensions as tfjs does (against explicitly tiled operands)', async () => {
    const a = () => seededTensor([2, 1, 5, 4], 3);
    const b = () => seededTensor([3, 4, 6], 4);
    const reference = await valuesOn('cpu', () =>
      tf.matMul(tf.broadcastTo(a(), [2, 3, 5, 4]), tf.broadcastTo(b(), [2, 3, 4, 6])),
    );
    enableNativeKernels();
    const native = await valuesOn('wasm', () => tf.matMul(a(), b()));
    expect(native.shapes[0]).toEqual([2, 3, 5, 6]);
    expect(relativeError(native.values[0], reference.values[0])).toBeLessThan(TOLERANCE);
  });

  const activations = ['linear', 'relu', 'relu6', 'leakyrelu', 'prelu', 'elu', 'sigmoid'] as const;
  for (const activation of activations) {
    it(`fused matMul with bias and ${activation}`, async () => {
      await expectNativeMatchesPlain(() =>
        tf.fused.matMul({
          a: tf.mul(seededTensor([37, 19], 5), 3),
          b: seededTensor([19, 29], 6),
          bias: seededTensor([29], 7),
          activation,
          preluActivationWeights: activation === 'prelu' ? seededTensor([29], 8) : undefined,
          leakyreluAlpha: 0.3,
        }),
      );
    });
  }

  it('fused matMul with transposeB and bias (plain wasm gets this case wrong: the cpu backend is the reference)', async () => {
    await expectNativeMatchesCpu(() =>
      tf.fused.matMul({
        a: seededTensor([2, 37, 19], 5),
        b: seededTensor([29, 19], 6),
        transposeB: true,
        bias: seededTensor([29], 7),
        activation: 'relu',
      }),
    );
  });

  it('fused matMul hands a bias it does not support to the wasm kernel', async () => {
    enableNativeKernels();
    await tf.setBackend('wasm');
    const a = seededTensor([6, 5], 9);
    const b = seededTensor([5, 4], 10);
    const bias = seededTensor([6, 4], 11);
    expect(() => tf.fused.matMul({ a, b, bias })).toThrow(/rank-1 bias/);
    tf.dispose([a, b, bias]);
  });

  type ConvCase = {
    x: number[];
    filter: number[];
    strides: number | [number, number];
    pad: 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
    dilations?: number;
  };
  const convCases: ConvCase[] = [
    { x: [1, 5, 5, 1], filter: [1, 1, 1, 1], strides: 1, pad: 'valid' },
    { x: [2, 7, 5, 3], filter: [3, 3, 3, 5], strides: 1, pad: 'same' },
    { x: [1, 9, 7, 4], filter: [3, 2, 4, 6], strides: 2, pad: 'same' },
    { x: [3, 8, 8, 5], filter: [3, 3, 5, 7], strides: [2, 1], pad: 'valid' },
    {
      x: [2, 6, 7, 3],
      filter: [2, 3, 3, 4],
      strides: 1,
      pad: [
        [0, 0],
        [1, 2],
        [0, 1],
        [0, 0],
      ],
    },
    { x: [1, 6, 6, 2], filter: [3, 3, 2, 3], strides: 1, pad: 1 },
    { x: [2, 5, 5, 8], filter: [1, 1, 8, 3], strides: 2, pad: 'same' },
    { x: [2, 4, 4, 16], filter: [1, 1, 16, 9], strides: 1, pad: 'same' },
    // Large enough (1105 column rows) for im2col and col2im to be split across the addon's threads.
    { x: [5, 17, 13, 6], filter: [3, 3, 6, 7], strides: 1, pad: 'same' },
    // 3x3 stride 1 with >= 16 channels: Winograd F(2x2, 3x3) (odd sizes, batch 1, every padding kind).
    { x: [1, 7, 5, 17], filter: [3, 3, 17, 19], strides: 1, pad: 'same' },
    { x: [3, 9, 8, 16], filter: [3, 3, 16, 20], strides: 1, pad: 'valid' },
    {
      x: [2, 6, 7, 18],
      filter: [3, 3, 18, 16],
      strides: 1,
      pad: [
        [0, 0],
        [2, 0],
        [1, 2],
        [0, 0],
      ],
    },
  ];
  for (const c of convCases) {
    const name = `x=${c.x} f=${c.filter} s=${c.strides} p=${JSON.stringify(c.pad)}`;
    it(`conv2d ${name}`, async () => {
      await expectNativeMatchesPlain(() =>
        tf.conv2d(
          seededTensor(c.x, 12) as tf.Tensor4D,
          seededTensor(c.filter, 13) as tf.Tensor4D,
          c.strides,
          c.pad,
        ),
      );
    });
    it(`conv2d gradients (backprop input and filter) ${name}`, async () => {
      await expectNativeMatchesCpu(() => {
        const x = seededTensor(c.x, 14) as tf.Tensor4D;
        const w = seededTensor(c.filter, 15) as tf.Tensor4D;
        const y = tf.conv2d(x, w, c.strides, c.pad);
        const r = seededTensor(y.shape, 16);
        return tf.grads((xi: tf.Tensor, wi: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, c.strides, c.pad), r)),
        )([x, w]);
      });
    });
    it(`conv2dBackpropInput kernel against plain wasm ${name}`, async () => {
      await expectNativeMatchesPlain(() => {
        const x = seededTensor(c.x, 17) as tf.Tensor4D;
        const w = seededTensor(c.filter, 18) as tf.Tensor4D;
        const dy = seededTensor(tf.conv2d(x, w, c.strides, c.pad).shape, 19);
        return tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, {
          strides: c.strides,
          pad: c.pad,
          dataFormat: 'NHWC',
          inputShape: c.x,
        } as unknown as tf.NamedAttrMap) as tf.Tensor;
      });
    });
  }

  it('conv2d with dilations 2 (forward)', async () => {
    await expectNativeMatchesPlain(() =>
      tf.conv2d(
        seededTensor([2, 9, 8, 3], 20) as tf.Tensor4D,
        seededTensor([3, 3, 3, 4], 21) as tf.Tensor4D,
        1,
        'same',
        'NHWC',
        2,
      ),
    );
  });

  for (const activation of ['linear', 'relu', 'leakyrelu', 'prelu'] as const) {
    it(`fused conv2d with bias and ${activation}`, async () => {
      await expectNativeMatchesPlain(() =>
        tf.fused.conv2d({
          x: seededTensor([2, 7, 6, 3], 22) as tf.Tensor4D,
          filter: seededTensor([3, 3, 3, 5], 23) as tf.Tensor4D,
          strides: 1,
          pad: 'same',
          bias: seededTensor([5], 24),
          activation,
          preluActivationWeights: activation === 'prelu' ? seededTensor([5], 25) : undefined,
          leakyreluAlpha: 0.1,
        }),
      );
    });
  }

  it('fused conv2d gradients with bias and relu', async () => {
    await expectNativeMatchesCpu(() => {
      const x = seededTensor([2, 6, 5, 3], 26) as tf.Tensor4D;
      const w = seededTensor([3, 3, 3, 4], 27) as tf.Tensor4D;
      const b = seededTensor([4], 28);
      const f = (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
        tf.sum(
          tf.square(
            tf.fused.conv2d({
              x: xi as tf.Tensor4D,
              filter: wi as tf.Tensor4D,
              strides: 1,
              pad: 'same',
              bias: bi,
              activation: 'relu',
            }),
          ),
        );
      return tf.grads(f)([x, w, b]);
    });
  });

  it('splits large column matrices into row blocks without changing results', async () => {
    await expectChunkingKeepsResults([3, 9, 9, 6], 29, (y) => tf.sum(y), 1e-6);
  });

  it('gives the same conv2d results and gradients on one thread and on several', async () => {
    const addon = loadNativeAddon();
    if (!addon.ok) throw new Error(addon.reason);
    // The first pair goes through im2col + GEMM, the second (16+ channels) through Winograd.
    const compute = () =>
      [
        [
          [6, 15, 11, 5],
          [3, 3, 5, 4],
        ],
        [
          [3, 9, 7, 16],
          [3, 3, 16, 17],
        ],
      ].flatMap(([xShape, wShape], i) => {
        const x = seededTensor(xShape, 35 + i) as tf.Tensor4D;
        const w = seededTensor(wShape, 45 + i) as tf.Tensor4D;
        return [
          tf.conv2d(x, w, 1, 'same'),
          ...tf.grads((xi: tf.Tensor, wi: tf.Tensor) =>
            tf.sum(tf.square(tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, 1, 'same'))),
          )([x, w]),
        ];
      });
    enableNativeKernels();
    const threads = nativeKernelsStatus().threads;
    addon.addon.setThreads(4);
    const several = await valuesOn('wasm', compute);
    addon.addon.setThreads(1);
    try {
      const one = await valuesOn('wasm', compute);
      for (const [i, v] of several.values.entries()) {
        expect(relativeError(v, one.values[i])).toBeLessThan(1e-6);
      }
    } finally {
      addon.addon.setThreads(threads);
    }
  });

  describe('with Winograd forced on every 3x3 stride-1 convolution', () => {
    const winogradCases = convCases.filter(
      (c) => c.filter[0] === 3 && c.filter[1] === 3 && c.strides === 1 && c.dilations === undefined,
    );
    let previous = 16;
    beforeAll(() => {
      const addon = loadNativeAddon();
      if (!addon.ok) throw new Error(addon.reason);
      previous = addon.addon.setWinogradMinChannels(1);
    });
    afterAll(() => {
      const addon = loadNativeAddon();
      if (addon.ok) addon.addon.setWinogradMinChannels(previous);
    });
    it('covers several cases', () => {
      expect(winogradCases.length).toBeGreaterThanOrEqual(5);
    });
    it('splits the tiles into chunks without changing results', async () => {
      // 5 tiles per chunk.
      await expectChunkingKeepsResults([3, 9, 7, 6], 41, (y) => tf.sum(tf.square(y)), 1e-5);
    });
    for (const c of winogradCases) {
      const name = `x=${c.x} f=${c.filter} p=${JSON.stringify(c.pad)}`;
      it(`conv2d, its gradients and a fused relu ${name}`, async () => {
        await expectNativeMatchesCpu(() => {
          const x = seededTensor(c.x, 37) as tf.Tensor4D;
          const w = seededTensor(c.filter, 38) as tf.Tensor4D;
          const y = tf.conv2d(x, w, 1, c.pad);
          const r = seededTensor(y.shape, 39);
          const fused = tf.fused.conv2d({
            x,
            filter: w,
            strides: 1,
            pad: c.pad,
            bias: seededTensor([c.filter[3]], 40),
            activation: 'relu',
          });
          const grads = tf.grads((xi: tf.Tensor, wi: tf.Tensor) =>
            tf.sum(tf.mul(tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, 1, c.pad), r)),
          )([x, w]);
          return [y, fused, ...grads];
        });
      });
    }
  });

  it('gives the same products whether small ones stay on one BLAS thread or not', async () => {
    const addon = loadNativeAddon();
    if (!addon.ok) throw new Error(addon.reason);
    const compute = () => [
      tf.matMul(seededTensor([32, 256], 43), seededTensor([64, 256], 44), false, true),
      tf.matMul(seededTensor([64, 32], 45), seededTensor([64, 256], 46), true, false),
    ];
    enableNativeKernels();
    const previous = addon.addon.setSingleThreadMacs(0); // every product on all BLAS threads
    try {
      const threaded = await valuesOn('wasm', compute);
      addon.addon.setSingleThreadMacs(previous);
      const single = await valuesOn('wasm', compute);
      for (const [i, v] of single.values.entries()) {
        expect(relativeError(v, threaded.values[i])).toBeLessThan(1e-6);
      }
    } finally {
      addon.addon.setSingleThreadMacs(previous);
    }
  });

  it('reads the current heap after the wasm memory grows', async () => {
    enableNativeKernels();
    await tf.setBackend('wasm');
    const a = seededTensor([40, 30], 31);
    const b = seededTensor([30, 20], 32);
    const before = tf.matMul(a, b);
    const big = tf.zeros([64 * 1024 * 1024]); // 256 MB: forces memory.grow, detaching the old buffer
    const after = tf.matMul(a, b);
    expect(relativeError(after.dataSync(), before.dataSync())).toBe(0);
    tf.dispose([a, b, before, big, after]);
  });

  it('leaves no tensors behind across training steps', async () => {
    enableNativeKernels();
    await tf.setBackend('wasm');
    const w = tf.variable(seededTensor([3, 3, 4, 4], 33) as tf.Tensor4D);
    const x = seededTensor([2, 6, 6, 4], 34) as tf.Tensor4D;
    const optimizer = tf.train.adam(0.01);
    const step = () =>
      optimizer.minimize(
        () => tf.mean(tf.square(tf.conv2d(x, w as unknown as tf.Tensor4D, 1, 'same'))) as tf.Scalar,
      );
    step();
    const count = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(count);
    optimizer.dispose();
    tf.dispose([w, x]);
  });

  it('MmnetAdamUpdate (split across threads) matches the Adam update computed with tfjs ops on cpu', async () => {
    const c = {
      learningRate: 0.01,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-7,
      correction1: 0.271,
      correction2: 0.003,
    };
    const shape = [300, 500];
    const inputs = () => ({
      x: seededTensor(shape, 1),
      m: tf.mul(seededTensor(shape, 2), 0.1),
      v: tf.mul(tf.abs(seededTensor(shape, 3)), 0.01),
      g: seededTensor(shape, 4),
    });
    const reference = await valuesOn('cpu', () => {
      const { x, m, v, g } = inputs();
      const m2 = tf.add(tf.mul(m, c.beta1), tf.mul(g, 1 - c.beta1));
      const v2 = tf.add(tf.mul(v, c.beta2), tf.mul(tf.square(g), 1 - c.beta2));
      const ratio = tf.div(tf.div(m2, c.correction1), tf.add(tf.sqrt(tf.div(v2, c.correction2)), c.epsilon));
      return [tf.add(x, tf.mul(ratio, -c.learningRate)), m2, v2];
    });
    enableNativeKernels();
    const native = await valuesOn(
      'wasm',
      () => tf.engine().runKernel('MmnetAdamUpdate', inputs(), c) as tf.Tensor[],
    );
    expect(native.shapes).toEqual(reference.shapes);
    for (const [i, v] of native.values.entries())
      expect(relativeError(v, reference.values[i])).toBeLessThan(1e-5);
  });

  it('disableNativeKernels restores the wasm kernels', () => {
    enableNativeKernels();
    const native = tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc;
    const status = disableNativeKernels();
    expect(status.enabled).toBe(false);
    expect(nativeKernelsStatus().kernels).toEqual([]);
    expect(tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc).not.toBe(native);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    enableNativeKernels();
  });
});

/**
 * A conv2d of x (`shape`, seeded) with a 3x3x6x5 filter (seed + 1), and the gradients of `loss` of its output,
 * give the same values with the addon's work split into 4 KB chunks as in one piece.
 */
async function expectChunkingKeepsResults(
  shape: [number, number, number, number],
  seed: number,
  loss: (y: tf.Tensor4D) => tf.Tensor,
  tolerance: number,
): Promise<void> {
  const addon = loadNativeAddon();
  if (!addon.ok) throw new Error(addon.reason);
  const compute = () => {
    const x = seededTensor(shape, seed) as tf.Tensor4D;
    const w = seededTensor([3, 3, 6, 5], seed + 1) as tf.Tensor4D;
    return [
      tf.conv2d(x, w, 1, 'same'),
      ...tf.grads((xi: tf.Tensor, wi: tf.Tensor) =>
        loss(tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, 1, 'same')),
      )([x, w]),
    ];
  };
  enableNativeKernels();
  const whole = await valuesOn('wasm', compute);
  addon.addon.setChunkBytes(4096);
  try {
    const chunked = await valuesOn('wasm', compute);
    for (const [i, v] of chunked.values.entries()) {
      expect(relativeError(v, whole.values[i])).toBeLessThan(tolerance);
    }
  } finally {
    addon.addon.setChunkBytes(64 << 20);
  }
}
