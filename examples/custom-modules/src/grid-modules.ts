import { Conv2d, tf } from '@mmnet/core-tensors';
import { type ModuleBuildConfig, ModuleRegistry } from '@mmnet/module-net';
import { COLORS, DIRECTIONS, type Direction, directionOffset } from './grid-task.js';

/** Moves a map so that each cell holds the value of its neighbour in `dir` (zeros from outside the grid). */
export function shiftMap(x: tf.Tensor4D, dir: Direction): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const [dr, dc] = directionOffset(dir);
  return tf.tidy(() => {
    const padded = tf.pad(x, [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ]);
    return tf.slice(padded, [0, 1 + dr, 1 + dc, 0], [n, h, w, c]) as tf.Tensor4D;
  });
}

/**
 * The modules of the grid DSL, defined with the public registry API:
 * - `grid` (no input): the image features;
 * - `keep[color]` (one input): a learned attention gate, x * sigmoid(conv1x1(x));
 * - `shift[direction]` (one input): a fixed, parameter-free move of the map;
 * - `and` (two inputs): a learned 1x1 convolution of both inputs + ReLU.
 */
export function createGridRegistry(): ModuleRegistry<ModuleBuildConfig> {
  const registry = new ModuleRegistry<ModuleBuildConfig>();
  registry.define({ name: 'grid', arity: 0, create: () => (_inputs, call) => call.features });
  for (const color of COLORS) {
    registry.define({
      name: `keep[${color}]`,
      arity: 1,
      description: `keeps the ${color} cells`,
      create: (scope, config) => {
        const gate = new Conv2d(scope.scope('gate'), config.dim, 1, 1);
        return ([x]) => tf.tidy(() => tf.mul(x, tf.sigmoid(gate.apply(x as tf.Tensor4D))));
      },
    });
  }
  for (const dir of DIRECTIONS) {
    registry.define({
      name: `shift[${dir}]`,
      arity: 1,
      description: `looks at the ${dir} neighbour`,
      create:
        () =>
        ([x]) =>
          shiftMap(x as tf.Tensor4D, dir),
    });
  }
  registry.define({
    name: 'and',
    arity: 2,
    description: 'cells selected by both inputs',
    create: (scope, config) => {
      const mix = new Conv2d(scope.scope('mix'), 2 * config.dim, config.dim, 1);
      return ([a, b]) => tf.tidy(() => tf.relu(mix.apply(tf.concat([a, b], 3) as tf.Tensor4D)));
    },
  });
  // `count` is the root: it passes its input to the answer classifier.
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
