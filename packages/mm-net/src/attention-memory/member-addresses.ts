import { matMul, tf } from '@mmnet/core-tensors';
import { gatherRows, type MemberAddressFunction, type ModuleSet, memberOneHot } from '@mmnet/module-net';

/*
 * Module memory reads of attention modules. module-net's attention families keep every member's parameters
 * stacked, [members, ...]: that stack is the family's memory bank, one row per function token. A read is an
 * address over the rows times the bank (`ModuleCall.addresses`, `applyMemberDense`): one-hot with ground-truth
 * programs (PG_memory), the program generator's distribution in PG_endtoend's soft and gumbel modes.
 */

/** One-hot addresses of every family call: each row reads its own token's row of the family's bank. */
export function oneHotMemberAddresses(modules: ModuleSet): MemberAddressFunction {
  const sizes = new Map<string, number>();
  return (call) => {
    if (call.arity === 0) return undefined;
    let size = sizes.get(call.group);
    if (size === undefined) {
      size = modules.groupMembers(call.group).length;
      sizes.set(call.group, size);
    }
    return memberOneHot(
      call.tokens.map((t) => modules.get(t)?.member ?? 0),
      size,
    );
  };
}

/**
 * Each group's columns of a distribution over a token vocabulary: [vocabulary, members] with a 1 at (id of
 * member m's token, m), for every group of `modules` with inputs. Kept tensors, made once; `dispose` frees them.
 */
export class FamilySelections {
  private readonly byGroup = new Map<string, tf.Tensor2D>();

  constructor(modules: ModuleSet, vocabularySize: number, idOf: (token: string) => number) {
    for (const name of modules.names()) {
      const module = modules.get(name)!;
      const group = module.group ?? module.name;
      if (module.arity === 0 || this.byGroup.has(group)) continue;
      const members = modules.groupMembers(group);
      const values = new Float32Array(vocabularySize * members.length);
      members.forEach((token, m) => {
        const id = idOf(token);
        if (!(Number.isInteger(id) && id >= 0 && id < vocabularySize))
          throw new Error(`module memory: token '${token}' of '${group}' is not in the program vocabulary`);
        values[id * members.length + m] = 1;
      });
      this.byGroup.set(group, tf.keep(tf.tensor2d(values, [vocabularySize, members.length])));
    }
  }

  of(group: string): tf.Tensor2D {
    const selection = this.byGroup.get(group);
    if (!selection) throw new Error(`module memory: no module group '${group}' with inputs`);
    return selection;
  }

  dispose(): void {
    for (const t of this.byGroup.values()) t.dispose();
    this.byGroup.clear();
  }
}

/**
 * Addresses read from per-step distributions over the program vocabulary, `distributions` [N * steps, vocabulary]
 * (row sample * steps + step): a node's address over its family's members is its step's distribution at the
 * members' tokens, renormalised over them with `renormalize` (the mass on other tokens, which chose another
 * family or arity, is dropped). Differentiable with respect to the distributions.
 */
export function distributionMemberAddresses(
  distributions: tf.Tensor2D,
  steps: number,
  selections: FamilySelections,
  renormalize: boolean,
): MemberAddressFunction {
  return (call, plan) => {
    if (call.arity === 0) return undefined;
    const rows = call.nodes.map((id) => {
      const node = plan.nodes[id];
      if (node.step < 0)
        throw new Error(`module memory: node '${node.token}' of sample ${node.sample} has no decoding step`);
      return node.sample * steps + node.step;
    });
    const address = matMul(gatherRows(distributions, rows), selections.of(call.group)) as tf.Tensor2D;
    if (!renormalize) return address;
    return tf.div(address, tf.maximum(tf.sum(address, 1, true), 1e-12)) as tf.Tensor2D;
  };
}
