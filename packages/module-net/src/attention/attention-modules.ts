import { Conv2d, kaimingNormal, type ParameterScope, tf } from '@mmnet/core-tensors';
import type {
  ModuleBuildConfig,
  ModuleDefinition,
  ModuleFamilyDefinition,
} from '../registry/module-registry.js';
import {
  applyMemberDense,
  createMemberDense,
  type MemberChoice,
  type MemberDense,
  memberChoice,
} from './member-dense.js';

/*
 * Attention modules: a module set for the same programs and the same executor as IEP's residual modules, with
 * the inductive bias of attention module networks (Andreas et al. 2016; Mascharka et al. 2018, "Transparency by
 * Design"). A module that selects objects (filter, relate, same, unique, intersect, union) returns the image
 * features masked by a spatial attention it computes, `features * sigmoid(...)`, so the next module sees the
 * original features of the selected objects and nothing else. The stem's last channel is 1 at every cell
 * (`attentionChannel`), so a masked map carries its attention in that channel and a module can average the
 * features of what its input selected. A module that answers (query, count, exist, equal, compare) pools its
 * input(s) into one code and returns it at every cell, so the classifier reads the same code wherever the object
 * was; its last channel is 1, so every map modules exchange carries an attention in [0, 1] there and the selected
 * mean of any map is bounded by its features, whatever the program's composition. Every convolution is 1x1: the image features already describe each cell's object, and what a module must
 * know about the rest of the image (where the selected object is, what colour it has) comes from a pooled
 * summary added at every cell.
 *
 * The CLEVR tokens' attention modules come in five families (`defineClevrModules`): all nodes of a family at one
 * height run as one call, each row with its token's parameters, so a batch costs a few large kernel calls per
 * height instead of a few small ones per token.
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

/** [rows, H, W, C] -> [rows, H * W, C]. */
function cellsOf(x: tf.Tensor4D): tf.Tensor3D {
  const [rows, h, w, c] = x.shape;
  return tf.reshape(x, [rows, h * w, c]);
}

/**
 * The attention of selecting modules, for every member of a family: hidden = ReLU(local(inputs and features, on
 * channels) + context(the selected mean of each input)); hidden = ReLU(hidden(hidden)); attention =
 * sigmoid(mask(hidden)); each a 1x1 convolution (a dense layer over the channels of every cell) per member.
 * `local` has no bias of its own: its weight on the features' attention channel (1 at every cell) is one.
 */
class AttentionHeads {
  private readonly local: MemberDense;
  private readonly context: MemberDense;
  private readonly hidden: MemberDense;
  private readonly mask: MemberDense;

  constructor(scope: ParameterScope, members: number, inputs: number, dim: number) {
    const relu = { init: kaimingNormal };
    this.local = createMemberDense(scope.scope('local'), members, (inputs + 1) * dim, dim, {
      ...relu,
      bias: false,
    });
    this.context = createMemberDense(scope.scope('context'), members, inputs * dim, dim, relu);
    this.hidden = createMemberDense(scope.scope('hidden'), members, dim, dim, relu);
    this.mask = createMemberDense(scope.scope('mask'), members, dim, 1);
  }

  /** inputs: masked maps [rows, H, W, dim] each; features: the stem's [rows, H, W, dim] -> [rows, H, W, 1]. */
  apply(inputs: tf.Tensor4D[], features: tf.Tensor4D, members: MemberChoice): tf.Tensor4D {
    return tf.tidy(() => {
      const [rows, h, w] = features.shape;
      const maps = cellsOf(tf.concat([...inputs, features], 3) as tf.Tensor4D);
      const summary = tf.reshape(tf.concat(inputs.map(selectedMean), 1), [rows, 1, -1]) as tf.Tensor3D;
      const context = applyMemberDense(this.context, summary, members);
      const h1 = tf.relu(tf.add(applyMemberDense(this.local, maps, members), context)) as tf.Tensor3D;
      const h2 = tf.relu(applyMemberDense(this.hidden, h1, members)) as tf.Tensor3D;
      return tf.reshape(tf.sigmoid(applyMemberDense(this.mask, h2, members)), [rows, h, w, 1]);
    });
  }
}

/** The attention a masked map carries: its last channel, [rows, H, W, 1]. */
export function carriedAttention(x: tf.Tensor4D): tf.Tensor4D {
  const [rows, h, w, c] = x.shape;
  return tf.slice(x, [0, 0, 0, c - 1], [rows, h, w, 1]);
}

export interface AttentionFamilyOptions {
  /**
   * Select only among what the input selected (arity 1): the attention is the input's attention times the
   * module's own, as a filter's result is a subset of its input. For `filter_*` and `unique`, not for `relate` or
   * `same_*`, which select other objects.
   */
  withinInput?: boolean;
}

/**
 * A family of modules that select objects (arity 1 or 2), one member per token: out = features *
 * attention(inputs, features) (times the input's attention with `withinInput`), each row with its member's
 * parameters (`modules.<name>.*`, stacked by member).
 */
export function attentionFamily<A extends 1 | 2>(
  name: string,
  arity: A,
  members: readonly string[],
  options: AttentionFamilyOptions = {},
): ModuleFamilyDefinition<A, ModuleBuildConfig> {
  if (options.withinInput && arity !== 1)
    throw new Error(`attention family '${name}': withinInput needs arity 1, got ${arity}`);
  return {
    name,
    arity,
    members,
    description: `attention modules (${arity} input${arity === 1 ? '' : 's'}): the features of the objects they select${options.withinInput ? ' among those the input selected' : ''}`,
    create: (scope, config) => {
      const heads = new AttentionHeads(scope, members.length, arity, config.dim);
      return (inputs, call) =>
        tf.tidy(() => {
          const xs = inputs as tf.Tensor4D[];
          let attention = heads.apply(xs, call.features, memberChoice(call));
          if (options.withinInput) attention = tf.mul(attention, carriedAttention(xs[0]));
          return tf.mul(call.features, attention);
        });
    },
  };
}

export interface AnswerFamilyOptions {
  /**
   * Arity 1: also pool `countFilters` blob features of the input's attention, the sum over the cells of
   * ReLU(conv3x3(attention)) (one 3x3 kernel per feature, shared by the family's members), so that a module can
   * count objects from where each one's blob starts or ends instead of from the area they cover together
   * (large and near objects cover several cells, small and far ones one). 0: none (the default).
   */
  countFilters?: number;
}

/** Blob features of a selection: sum over the cells of ReLU(conv3x3(its attention)), [rows, filters]. */
class BlobCounts {
  private readonly conv: Conv2d;

  constructor(scope: ParameterScope, filters: number) {
    this.conv = new Conv2d(scope, 1, filters, 3, { init: kaimingNormal });
  }

  apply(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => sumCells(tf.relu(this.conv.apply(carriedAttention(x))) as tf.Tensor4D));
  }
}

/**
 * A family of modules that answer, one member per token. One input (a selection: query, count, exist): its
 * selected mean and its mean over the cells (which holds the selected area), and with `countFilters` its blob
 * features; two inputs (answer codes: equal, compare): each input's mean over the cells. Then ReLU(dense) twice
 * -> the answer code [rows, dim - 1], and the attention channel 1 after it, at every cell.
 */
export function answerFamily<A extends 1 | 2>(
  name: string,
  arity: A,
  members: readonly string[],
  options: AnswerFamilyOptions = {},
): ModuleFamilyDefinition<A, ModuleBuildConfig> {
  const countFilters = arity === 1 ? (options.countFilters ?? 0) : 0;
  if (!(Number.isInteger(countFilters) && countFilters >= 0))
    throw new Error(`answer family '${name}': countFilters must be a whole number >= 0, got ${countFilters}`);
  return {
    name,
    arity,
    members,
    description: `answer modules (${arity} input${arity === 1 ? '' : 's'}): a pooled answer code at every cell`,
    create: (scope, config) => {
      const { dim, height, width } = config;
      const relu = { init: kaimingNormal };
      const pooledDim = 2 * dim + countFilters;
      const blobs = countFilters > 0 ? new BlobCounts(scope.scope('count'), countFilters) : null;
      const combine = createMemberDense(scope.scope('combine'), members.length, pooledDim, dim, relu);
      // The code's last channel is the attention channel, 1 at every cell (as the stem's features): a code that
      // reaches a module reading a selection (a program with a type error, e.g. a decoded one) is the code
      // itself there, not divided by a near-zero mass.
      const output = createMemberDense(scope.scope('output'), members.length, dim, dim - 1, relu);
      return (inputs, call) =>
        tf.tidy(() => {
          const xs = inputs as tf.Tensor4D[];
          const rows = xs[0].shape[0];
          const parts =
            xs.length === 1
              ? [selectedMean(xs[0]), tf.mean(xs[0], [1, 2]), ...(blobs ? [blobs.apply(xs[0])] : [])]
              : xs.map((x) => tf.mean(x, [1, 2]));
          const pooled = tf.concat(parts, 1);
          const hidden = tf.relu(
            applyMemberDense(combine, tf.reshape(pooled, [rows, 1, pooledDim]), memberChoice(call)),
          );
          const code = tf.relu(applyMemberDense(output, hidden as tf.Tensor3D, memberChoice(call)));
          const withAttention = tf.concat([tf.reshape(code, [rows, dim - 1]), tf.ones([rows, 1])], 1);
          return addAtEveryCell(tf.zeros([1, height, width, dim]), withAttention as tf.Tensor2D);
        });
    },
  };
}

/** A family's sole member as a plain module definition (its own parameters under `modules.<name>.*`). */
function soleMember<A extends 1 | 2>(
  family: ModuleFamilyDefinition<A, ModuleBuildConfig>,
): ModuleDefinition<A, ModuleBuildConfig> {
  const { name, arity, description } = family;
  return { name, arity, description, create: (scope, config) => family.create(scope, config, [name]) };
}

/** A module that selects objects: out = features * attention(inputs, features), for arity 1 or 2. */
export function attentionModule<A extends 1 | 2>(
  name: string,
  arity: A,
  options: AttentionFamilyOptions = {},
): ModuleDefinition<A, ModuleBuildConfig> {
  return soleMember(attentionFamily(name, arity, [name], options));
}

/** A module that answers (see `answerFamily`), for arity 1 or 2. */
export function answerModule<A extends 1 | 2>(
  name: string,
  arity: A,
  options: AnswerFamilyOptions = {},
): ModuleDefinition<A, ModuleBuildConfig> {
  return soleMember(answerFamily(name, arity, [name], options));
}

const ANSWER_PREFIXES = ['query_', 'count', 'exist', 'equal_', 'greater_than', 'less_than'];

/** Whether a CLEVR token selects among its input's objects (`filter_*`, `unique`) rather than others. */
export function selectsWithinInput(token: string): boolean {
  return token.startsWith('filter_') || token === 'unique';
}

/** Whether a CLEVR token answers (query, count, exist, equal, compare) rather than selects objects. */
export function isAnswerToken(token: string): boolean {
  return ANSWER_PREFIXES.some((p) => token.startsWith(p));
}
