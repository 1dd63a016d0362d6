/**
 * Smoke demo: learns which quadrant of a small image holds a bright square, with a conv -> max-pool ->
 * linear model built from @mmnet/core-tensors, on the fastest available backend. Prints the loss falling.
 */
import { Conv2d, createRng, initBackend, Linear, maxPool2d, ParameterStore, tf } from '@mmnet/core-tensors';

const SIZE = 8;
const BATCH = 32;

function makeBatch(rng: ReturnType<typeof createRng>) {
  const images = new Float32Array(BATCH * SIZE * SIZE);
  const labels = new Int32Array(BATCH);
  for (let n = 0; n < BATCH; n++) {
    const quadrant = rng.int(4);
    labels[n] = quadrant;
    const top = (quadrant >> 1) * (SIZE / 2) + rng.int(2);
    const left = (quadrant & 1) * (SIZE / 2) + rng.int(2);
    for (let i = 0; i < SIZE * SIZE; i++) images[n * SIZE * SIZE + i] = 0.2 * rng.normal();
    for (let y = top; y < top + 2; y++)
      for (let x = left; x < left + 2; x++) images[n * SIZE * SIZE + y * SIZE + x] += 1;
  }
  return { images, labels };
}

async function main() {
  const backend = await initBackend();
  const rng = createRng(0);
  const store = new ParameterStore(rng);
  const conv = new Conv2d(store.scope('conv'), 1, 8, 3);
  const head = new Linear(store.scope('head'), (SIZE / 2) * (SIZE / 2) * 8, 4);
  const optimizer = tf.train.adam(1e-2);
  console.log(`training a ${store.countWeights()}-weight model on ${backend.name}`);
  for (let step = 1; step <= 60; step++) {
    const { images, labels } = makeBatch(rng);
    const loss = tf.tidy(() => {
      const x = tf.tensor4d(images, [BATCH, SIZE, SIZE, 1]);
      const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 4);
      const value = optimizer.minimize(() => {
        const features = maxPool2d(tf.relu(conv.apply(x)));
        return tf.losses.softmaxCrossEntropy(y, head.apply(tf.reshape(features, [BATCH, -1]))) as tf.Scalar;
      }, true);
      return value!.dataSync()[0];
    });
    if (step === 1 || step % 10 === 0)
      console.log(`step ${String(step).padStart(3)}  loss ${loss.toFixed(4)}`);
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
