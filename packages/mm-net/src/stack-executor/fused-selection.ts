import { type ParameterScope, tf } from '@mmnet/core-tensors';
import { applyMemberDense, type MemberDense, selectedMean } from '@mmnet/module-net';

/*
 * module-net's three attention families that select objects (attention_filter and attention_relate with one input,
 * attention_binary with two) share one functional form: hidden = ReLU(local(inputs, features) + context(selected
 * means of the inputs)), ReLU(hidden(.)), attention = sigmoid(mask(.)). Their memories can therefore be read as one:
 * every member's `local` and `context` weights laid out over the same inputs [top of the stack, the entry below it,
 * features] (zero rows where a unary member has no second input; a binary member's first input is the entry below
 * the top), and stacked into one bank of all selecting members. A stack step then runs one call with each row's
 * address over all of them instead of three, and with a one-hot address it computes exactly its member's family.
 */

/** A per-row scale and shift [N, d] of a hidden layer: `x * (1 + gamma) + beta`. */
export interface Film {
  gamma: tf.Tensor2D;
  beta: tf.Tensor2D;
}

/** x [N, P, d] -> x * (1 + gamma) + beta, broadcast over the P positions (x itself without a film). */
export function applyFilm(x: tf.Tensor3D, film: Film | null): tf.Tensor3D {
  if (!film) return x;
  const [n, , d] = x.shape;
  return tf.add(
    tf.mul(x, tf.reshape(tf.add(film.gamma, 1), [n, 1, d])),
    tf.reshape(film.beta, [n, 1, d]),
  ) as tf.Tensor3D;
}

/** One selecting family's parameters as they sit in the store. */
interface SelectingFamily {
  arity: 1 | 2;
  /** Select among what the input selected (attention_filter). */
  withinInput: boolean;
  local: tf.Variable;
  contextWeight: tf.Variable;
  contextBias: tf.Variable;
  hiddenWeight: tf.Variable;
  hiddenBias: tf.Variable;
  maskWeight: tf.Variable;
  maskBias: tf.Variable;
}

export class FusedSelection {
  private readonly families: SelectingFamily[];

  /** `modules`: the executor's `modules` scope; `families`: name, arity and withinInput of each, in bank order. */
  constructor(
    modules: ParameterScope,
    families: readonly { name: string; arity: 1 | 2; withinInput: boolean }[],
    private readonly dim: number,
  ) {
    this.families = families.map((f) => {
      const s = modules.scope(f.name);
      return {
        arity: f.arity,
        withinInput: f.withinInput,
        local: s.get('local.weight'),
        contextWeight: s.get('context.weight'),
        contextBias: s.get('context.bias'),
        hiddenWeight: s.get('hidden.weight'),
        hiddenBias: s.get('hidden.bias'),
        maskWeight: s.get('mask.weight'),
        maskBias: s.get('mask.bias'),
      };
    });
  }

  /** Every per-member parameter of the families (first dimension: the members). */
  memberVariables(): tf.Variable[] {
    return this.families.flatMap((f) => [
      f.local,
      f.contextWeight,
      f.contextBias,
      f.hiddenWeight,
      f.hiddenBias,
      f.maskWeight,
      f.maskBias,
    ]);
  }

  /** The banks of all selecting members, over the inputs [top, below, features]: local, context, hidden, mask. */
  private banks(): { local: MemberDense; context: MemberDense; hidden: MemberDense; mask: MemberDense } {
    const d = this.dim;
    const rows = (w: tf.Tensor, from: number) => tf.slice(w, [0, from * d, 0], [w.shape[0], d, w.shape[2]!]);
    const zeros = (w: tf.Tensor) => tf.zeros([w.shape[0], d, w.shape[2]!]);
    const local: tf.Tensor[] = [];
    const context: tf.Tensor[] = [];
    for (const f of this.families) {
      if (f.arity === 1) {
        local.push(tf.concat([rows(f.local, 0), zeros(f.local), rows(f.local, 1)], 1));
        context.push(tf.concat([f.contextWeight, zeros(f.contextWeight)], 1));
      } else {
        local.push(tf.concat([rows(f.local, 1), rows(f.local, 0), rows(f.local, 2)], 1));
        context.push(tf.concat([rows(f.contextWeight, 1), rows(f.contextWeight, 0)], 1));
      }
    }
    const cat = (xs: tf.Tensor[]) => (xs.length === 1 ? xs[0] : tf.concat(xs, 0));
    const layer = (weight: tf.Tensor, bias: tf.Tensor | null) => ({ weight, bias }) as unknown as MemberDense;
    return {
      local: layer(cat(local), null),
      context: layer(cat(context), cat(this.families.map((f) => f.contextBias))),
      hidden: layer(
        cat(this.families.map((f) => f.hiddenWeight)),
        cat(this.families.map((f) => f.hiddenBias)),
      ),
      mask: layer(cat(this.families.map((f) => f.maskWeight)), cat(this.families.map((f) => f.maskBias))),
    };
  }

  /**
   * The attention [N, H*W] of every row: `top`, `below` the input maps [N, H, W, d], `features` the stem's,
   * `address` [N, members] over all selecting members (rows summing to 1), `within` [N, 1] the share of the
   * address on members that select within their input (their attention is multiplied by the top's).
   */
  apply(
    top: tf.Tensor4D,
    below: tf.Tensor4D,
    features: tf.Tensor4D,
    address: tf.Tensor2D,
    within: tf.Tensor2D,
    film: Film | null = null,
  ): tf.Tensor2D {
    const [n, h, w, d] = features.shape;
    const banks = this.banks();
    const maps = tf.reshape(tf.concat([top, below, features], 3), [n, h * w, 3 * d]) as tf.Tensor3D;
    const summary = tf.reshape(tf.concat([selectedMean(top), selectedMean(below)], 1), [
      n,
      1,
      2 * d,
    ]) as tf.Tensor3D;
    const context = applyMemberDense(banks.context, summary, address);
    const h1 = tf.relu(
      applyFilm(tf.add(applyMemberDense(banks.local, maps, address), context) as tf.Tensor3D, film),
    ) as tf.Tensor3D;
    const h2 = tf.relu(applyMemberDense(banks.hidden, h1, address)) as tf.Tensor3D;
    const attention = tf.reshape(tf.sigmoid(applyMemberDense(banks.mask, h2, address)), [n, h * w]);
    const topAttention = tf.reshape(tf.slice(top, [0, 0, 0, d - 1], [n, h, w, 1]), [n, h * w]);
    // within * (attention * top's) + (1 - within) * attention = attention * (1 - within + within * top's).
    const gate = tf.add(tf.sub(1, within), tf.mul(within, topAttention));
    return tf.mul(attention, gate) as tf.Tensor2D;
  }
}
