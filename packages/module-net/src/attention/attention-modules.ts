import { Conv2d, kaimingNormal, Linear, type ParameterScope, tf } from '@mmnet/core-tensors';
import type { ModuleBuildConfig, ModuleDefinition } from '../registry/module-registry.js';

/*
 * Attention modules: a module set for the same programs and the same executor as IEP's residual modules, with
 * the inductive bias of attention module networks (Andreas et al. 2016; Mascharka et al. 2018, "Transparency by
 * Design"). A module that selects objects (filter, relate, same, unique, intersect, union) returns the image
 * features masked by a spatial attention it computes, `features * sigmoid(...)`, so the next module sees the
 * original features of the selected objects and nothing else. The stem's last channel is 1 at every cell
 * (`attentionChannel`), so a masked map carries its attention in that channel and a module can average the
 * features of what its input selected. A module that answers (query, count, exist, equal, compare) pools its
 * input(s) into one code and returns it at every cell, so the classifier reads the same code wherever the object
 * was. Every convolution is 1x1: the image features already describe each cell's object, and what a module must
 * know about the rest of the image (where the selected object is, what colour it has) comes from a pooled
 * summary added at every cell.
 */

/** Sum over the cells: [rows, H, W, C] -> [rows, C]. */
function sumCells(x: tf.Tensor4D): tf.Tensor2D {
  return tf.sum(x, [1, 2]) as tf.Tensor2D;
}

/**
 * The mean features of what a masked map selects, weighted by its attention (its last channel): [rows, C].
 * An empty selection gives about zero.
 */
export function selectedMean(x: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    const sums = sumCells(x);
    const channels = x.shape[3];
    const mass = tf.slice(sums, [0, channels - 1], [sums.shape[0], 1]);
    return tf.div(sums, tf.add(mass, 1e-3)) as tf.Tensor2D;
  });
}

/** A [rows, C] vector added at every cell of [rows, H, W, C] maps. */
function addAtEveryCell(maps: tf.Tensor4D, v: tf.Tensor2D): tf.Tensor4D {
  return tf.add(maps, tf.reshape(v, [v.shape[0], 1, 1, v.shape[1]])) as tf.Tensor4D;
}

/**
 * The attention of a selecting module: hidden = ReLU(conv1x1(inputs and features, on channels) + linear(the
 * selected mean of each input)); hidden = ReLU(conv1x1(hidden)); attention = sigmoid(conv1x1(hidden)).
 */
class AttentionHead {
  private readonly local: Conv2d;
  private readonly context: Linear;
  private readonly hidden: Conv2d;
  private readonly mask: Conv2d;

  constructor(scope: ParameterScope, inputs: number, dim: number) {
    this.local = new Conv2d(scope.scope('local'), (inputs + 1) * dim, dim, 1, { init: kaimingNormal });
    this.context = new Linear(scope.scope('context'), inputs * dim, dim, { init: kaimingNormal });
    this.hidden = new Conv2d(scope.scope('hidden'), dim, dim, 1, { init: kaimingNormal });
    this.mask = new Conv2d(scope.scope('mask'), dim, 1, 1);
  }

  /** inputs: masked maps [rows, H, W, dim] each; features: the stem's [rows, H, W, dim] -> [rows, H, W, 1]. */
  apply(inputs: tf.Tensor4D[], features: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const maps = tf.concat([...inputs, features], 3) as tf.Tensor4D;
      const summary = tf.concat(inputs.map(selectedMean), 1) as tf.Tensor2D;
      const h1 = tf.relu(addAtEveryCell(this.local.apply(maps), this.context.apply(summary) as tf.Tensor2D));
      const h2 = tf.relu(this.hidden.apply(h1 as tf.Tensor4D));
      return tf.sigmoid(this.mask.apply(h2 as tf.Tensor4D)) as tf.Tensor4D;
    });
  }
}

/** A module that selects objects: out = features * attention(inputs, features), for arity 1 or 2. */
export function attentionModule<A extends 1 | 2>(
  name: string,
  arity: A,
): ModuleDefinition<A, ModuleBuildConfig> {
  return {
    name,
    arity,
    description: `attention module (${arity} input${arity === 1 ? '' : 's'}): the features of the objects it selects`,
    create: (scope, config) => {
      const head = new AttentionHead(scope, arity, config.dim);
      return (inputs, call) =>
        tf.tidy(() => tf.mul(call.features, head.apply(inputs as tf.Tensor4D[], call.features)));
    },
  };
}

/**
 * A module that answers. One input (a selection: query, count, exist): its selected mean and its mean over the
 * cells (which holds the selected area); two inputs (answer codes: equal, compare): each input's mean over the
 * cells. Then ReLU(linear) twice -> the answer code [rows, dim] at every cell.
 */
export function answerModule<A extends 1 | 2>(
  name: string,
  arity: A,
): ModuleDefinition<A, ModuleBuildConfig> {
  return {
    name,
    arity,
    description: `answer module (${arity} input${arity === 1 ? '' : 's'}): a pooled answer code at every cell`,
    create: (scope, config) => {
      const { dim, height, width } = config;
      const combine = new Linear(scope.scope('combine'), 2 * dim, dim, { init: kaimingNormal });
      const output = new Linear(scope.scope('output'), dim, dim, { init: kaimingNormal });
      return (inputs) =>
        tf.tidy(() => {
          const xs = inputs as tf.Tensor4D[];
          const pooled =
            xs.length === 1
              ? tf.concat([selectedMean(xs[0]), tf.mean(xs[0], [1, 2])], 1)
              : tf.concat(
                  xs.map((x) => tf.mean(x, [1, 2])),
                  1,
                );
          const code = tf.relu(output.apply(tf.relu(combine.apply(pooled as tf.Tensor2D))));
          return addAtEveryCell(tf.zeros([1, height, width, dim]), code as tf.Tensor2D);
        });
    },
  };
}

const ANSWER_PREFIXES = ['query_', 'count', 'exist', 'equal_', 'greater_than', 'less_than'];

/** Whether a CLEVR token answers (query, count, exist, equal, compare) rather than selects objects. */
export function isAnswerToken(token: string): boolean {
  return ANSWER_PREFIXES.some((p) => token.startsWith(p));
}
