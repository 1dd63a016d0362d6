/**
 * Kernel benchmark: GFLOP/s of conv2d training (forward + backward + Adam) and of per-sample-weight conv
 * training on the chosen backend. Prints one JSON line per measurement.
 * Usage: pnpm bench:kernels [-- --iterations 10]
 */
import { parseArgs } from 'node:util';
import { conv2d, initBackend, perSampleConv2d, tf } from '../src/index.js';

const { values } = parseArgs({
  options: { iterations: { type: 'string', default: '10' }, warmup: { type: 'string', default: '2' } },
});
const iterations = Number(values.iterations);
const warmup = Number(values.warmup);

function time(step: () => void): number {
  for (let i = 0; i < warmup; i++) step();
  const start = performance.now();
  for (let i = 0; i < iterations; i++) step();
  return (performance.now() - start) / iterations;
}

async function main() {
  const backend = await initBackend();
  console.log(
    JSON.stringify({
      kernel: 'backend',
      backend: backend.name,
      reason: backend.reason,
      accelerator: backend.accelerator ?? null,
    }),
  );
  const [n, h, w, c] = [32, 14, 14, 128];
  const forwardFlops = 2 * n * h * w * c * c * 9;
  const trainFlops = 3 * forwardFlops;
  const optimizer = tf.train.adam(1e-3);

  const x = tf.randomNormal([n, h, w, c]) as tf.Tensor4D;
  const kernel = tf.variable(tf.randomNormal([3, 3, c, c], 0, 0.03));
  const convMs = time(() => {
    tf.tidy(() => {
      const { grads } = tf.variableGrads(
        () => tf.mean(tf.square(conv2d(x, kernel as tf.Tensor4D))) as tf.Scalar,
        [kernel],
      );
      optimizer.applyGradients(grads as Parameters<typeof optimizer.applyGradients>[0]);
      grads[kernel.name].dataSync();
    });
  });
  console.log(
    JSON.stringify({
      kernel: 'conv2d_train',
      shape: `${n}x${h}x${w}x${c}->${c} 3x3`,
      ms: +convMs.toFixed(2),
      gflops: +(trainFlops / convMs / 1e6).toFixed(1),
      backend: backend.name,
    }),
  );

  const bankOptimizer = tf.train.adam(1e-3);
  const bank = tf.variable(tf.randomNormal([8, 3 * 3 * c * c], 0, 0.03));
  const address = tf
    .oneHot(
      tf.tensor1d(
        Array.from({ length: n }, (_, i) => i % 8),
        'int32',
      ),
      8,
    )
    .toFloat();
  const perSampleMs = time(() => {
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => {
        const kernels = tf.reshape(tf.matMul(address, bank), [n, 3, 3, c, c]);
        return tf.mean(tf.square(perSampleConv2d(x, kernels))) as tf.Scalar;
      }, [bank]);
      bankOptimizer.applyGradients(grads as Parameters<typeof bankOptimizer.applyGradients>[0]);
      grads[bank.name].dataSync();
    });
  });
  console.log(
    JSON.stringify({
      kernel: 'per_sample_conv2d_train',
      shape: `${n}x${h}x${w}x${c}->${c} 3x3, own kernel per sample`,
      ms: +perSampleMs.toFixed(2),
      gflops: +(trainFlops / perSampleMs / 1e6).toFixed(1),
      backend: backend.name,
    }),
  );
  console.log(JSON.stringify({ kernel: 'tensors_alive', count: tf.memory().numTensors }));
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
