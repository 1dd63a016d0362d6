// A stranger's program against the published @mmnet packages: a module network with modules of its own, trained
// a few steps. scripts/check-packages.mjs copies it into a fresh project as consumer.ts (ES module) and
// consumer.cts (CommonJS), type-checks it against the installed .d.ts files and runs the compiled output.
import { Conv2d, createRng, initBackend, ParameterStore, tf } from '@mmnet/core-tensors';
import {
  fillMissingGradients,
  type ModuleBuildConfig,
  ModuleNetwork,
  ModuleRegistry,
} from '@mmnet/module-net';
import { tokenMapOf } from '@mmnet/programs';

const SIZE = 4;
const CHANNELS = 3;

function createRegistry(): ModuleRegistry<ModuleBuildConfig> {
  const registry = new ModuleRegistry<ModuleBuildConfig>();
  registry.define({ name: 'grid', arity: 0, create: () => (_inputs, call) => call.features });
  for (const colour of ['red', 'green', 'blue']) {
    registry.define({
      name: `keep[${colour}]`,
      arity: 1,
      create: (scope, config) => {
        const gate = new Conv2d(scope.scope('gate'), config.dim, 1, 1);
        return ([x]) => tf.tidy(() => tf.mul(x, tf.sigmoid(gate.apply(x as tf.Tensor4D))));
      },
    });
  }
  registry.define({
    name: 'count',
    arity: 1,
    create:
      () =>
      ([x]) =>
        x,
  });
  return registry;
}

async function main(): Promise<void> {
  await initBackend({ prefer: 'cpu', log: null });
  const registry = createRegistry();
  const vocab = tokenMapOf(registry.names());
  const store = new ParameterStore(createRng(0));
  const model = new ModuleNetwork(
    store,
    {
      inChannels: CHANNELS,
      stemDim: 8,
      stemLayers: 1,
      height: SIZE,
      width: SIZE,
      classifier: { projDim: 8, poolSize: 1, hiddenDim: 16 },
    },
    registry,
    SIZE * SIZE + 1,
    vocab,
  );
  // Cells coloured at random; the answer is how many cells have the colour the program keeps. Chained ops
  // (`.toFloat()`) and gradients (`tf.variableGrads`) are registered by @mmnet/core-tensors.
  const rng = createRng(1);
  const colours = ['red', 'green', 'blue'];
  const n = 16;
  const cells = Array.from({ length: n * SIZE * SIZE }, () => rng.int(CHANNELS));
  const asked = Array.from({ length: n }, () => rng.int(CHANNELS));
  const features = tf.oneHot(tf.tensor3d(cells, [n, SIZE, SIZE], 'int32'), CHANNELS).toFloat() as tf.Tensor4D;
  const answers = asked.map(
    (c, i) => cells.slice(i * SIZE * SIZE, (i + 1) * SIZE * SIZE).filter((x) => x === c).length,
  );
  const labels = tf.oneHot(tf.tensor1d(answers, 'int32'), SIZE * SIZE + 1).toFloat();
  const trees = asked.map(
    (c) =>
      model.parsePrograms([
        [vocab['<START>'], vocab.count, vocab[`keep[${colours[c]}]`], vocab.grid, vocab['<END>']],
      ])[0],
  );
  const optimizer = tf.train.adam(0.02);
  const variables = store.variables();
  const losses: number[] = [];
  for (let step = 0; step < 30; step++) {
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () => tf.losses.softmaxCrossEntropy(labels, model.forward(features, trees).logits) as tf.Scalar,
        variables,
      );
      optimizer.applyGradients(fillMissingGradients(grads, variables));
      return value.dataSync()[0];
    });
    losses.push(loss);
  }
  const format = typeof require === 'function' ? 'cjs' : 'esm';
  const first = losses[0];
  const last = losses[losses.length - 1];
  console.log(JSON.stringify({ format, first, last }));
  if (!(last < 0.5 * first)) throw new Error(`${format}: the loss did not fall (${first} -> ${last})`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
