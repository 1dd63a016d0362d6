import {
  type Initializer,
  linear,
  matMul,
  type ParameterScope,
  type Rng,
  tf,
  torchDefault,
} from '@mmnet/core-tensors';

/**
 * A fully connected layer of every member of a module family: `weight` [members, in, out], `bias`
 * [members, out]. A call applies each row's member to that row, so one call runs a whole family.
 */
export interface MemberDense {
  weight: tf.Variable;
  bias: tf.Variable | null;
}

/** An initializer applied to each member's slice ([in, out] or [out]) of a stacked parameter. */
export function perMember(init: Initializer): Initializer {
  return (shape: readonly number[], rng: Rng) => {
    const [members, ...rest] = shape;
    const size = rest.reduce((a, b) => a * b, 1);
    const out = new Float32Array(members * size);
    for (let m = 0; m < members; m++) out.set(init(rest, rng), m * size);
    return out;
  };
}

export function createMemberDense(
  scope: ParameterScope,
  members: number,
  inDim: number,
  outDim: number,
  options: { init?: Initializer; bias?: boolean } = {},
): MemberDense {
  const init = options.init ?? torchDefault(inDim);
  return {
    weight: scope.create('weight', [members, inDim, outDim], perMember(init)),
    bias: options.bias === false ? null : scope.create('bias', [members, outDim], torchDefault(inDim)),
  };
}

/** The member of every row when they are all the same, else null. */
function commonMember(members: readonly number[]): number | null {
  return members.every((m) => m === members[0]) ? members[0] : null;
}

/** Member `m`'s slice of a stacked parameter [members, ...rest] -> [...rest]. */
function memberSlice(stack: tf.Tensor, m: number): tf.Tensor {
  const [, ...rest] = stack.shape;
  const begin = stack.shape.map((_, i) => (i === 0 ? m : 0));
  return tf.reshape(tf.slice(stack, begin, [1, ...rest]), rest);
}

/**
 * One-hot addresses of members [rows, count] (a 1 at each row's member): a product with them gathers each row's
 * slice of a stacked parameter (a gather on wasm is several times slower, and its gradient needs a kernel wasm
 * lacks), and they are the addresses of a memory read by token. Any count, 1 included (tf.oneHot refuses 1).
 */
export function memberOneHot(members: readonly number[], count: number): tf.Tensor2D {
  const values = new Float32Array(members.length * count);
  members.forEach((m, r) => {
    values[r * count + m] = 1;
  });
  return tf.tensor2d(values, [members.length, count]);
}

/**
 * Which member's parameters each row of a call uses: an index per row, or an address per row, [rows, members]
 * weights over the members (a module memory read: the row runs the address-weighted mix of the members'
 * parameters; a one-hot address is the same as the index, a soft one mixes, with a gradient to the address).
 */
export type MemberChoice = readonly number[] | tf.Tensor2D;

/** The member choice of a module call: its addresses when the executor gave some, else its member indices. */
export function memberChoice(call: {
  memberIndices: readonly number[];
  addresses?: tf.Tensor2D;
}): MemberChoice {
  return call.addresses ?? call.memberIndices;
}

function checkChoice(choice: MemberChoice, rows: number, count: number): void {
  if (Array.isArray(choice)) {
    const members = choice as readonly number[];
    if (members.length !== rows) throw new Error(`member dense: ${members.length} members for ${rows} rows`);
    const bad = members.findIndex((m) => !(Number.isInteger(m) && m >= 0 && m < count));
    if (bad >= 0) throw new Error(`member dense: row ${bad} names member ${members[bad]} of ${count}`);
    return;
  }
  const address = choice as tf.Tensor2D;
  if (address.rank !== 2 || address.shape[0] !== rows || address.shape[1] !== count) {
    throw new Error(
      `member dense: addresses of shape [${address.shape}] for ${rows} rows of ${count} members (expected [${rows}, ${count}])`,
    );
  }
}

/** Each row's mix of a stacked parameter [members, ...rest] by its address [rows, members] -> [rows, ...rest]. */
function addressedSlices(stack: tf.Tensor, address: tf.Tensor2D): tf.Tensor {
  const [count, ...rest] = stack.shape;
  const flat = tf.reshape(stack, [count, rest.reduce((a, b) => a * b, 1)]) as tf.Tensor2D;
  return tf.reshape(tf.matMul(address, flat), [address.shape[0], ...rest]);
}

/**
 * x [rows, positions, in] -> [rows, positions, out]: row r through its member's layer (`choice`: member indices, or
 * addresses mixing the members' parameters). When every row has the same member this is one ordinary product;
 * otherwise each row's weights are gathered (or mixed) by a product with the one-hot (or given) addresses and
 * applied in one batched product.
 */
export function applyMemberDense(layer: MemberDense, x: tf.Tensor3D, choice: MemberChoice): tf.Tensor3D {
  const [rows, positions, inDim] = x.shape;
  const [count, expectedIn, outDim] = layer.weight.shape;
  checkChoice(choice, rows, count);
  if (inDim !== expectedIn) {
    throw new Error(`member dense: input has ${inDim} features, the layer expects ${expectedIn}`);
  }
  return tf.tidy(() => {
    const shared = Array.isArray(choice) ? commonMember(choice as readonly number[]) : null;
    if (shared !== null) {
      const w = memberSlice(layer.weight, shared) as tf.Tensor2D;
      const b = layer.bias ? (memberSlice(layer.bias, shared) as tf.Tensor1D) : null;
      return tf.reshape(linear(tf.reshape(x, [rows * positions, inDim]), w, b), [rows, positions, outDim]);
    }
    const address = Array.isArray(choice)
      ? memberOneHot(choice as readonly number[], count)
      : (choice as tf.Tensor2D);
    const y = matMul(x, addressedSlices(layer.weight, address)) as tf.Tensor3D;
    if (!layer.bias) return y;
    return tf.add(y, tf.reshape(addressedSlices(layer.bias, address), [rows, 1, outDim])) as tf.Tensor3D;
  });
}
