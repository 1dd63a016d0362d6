import { matMul, tf } from '@mmnet/core-tensors';
import { gatherRows, type MemberAddressFunction, type ModuleSet, memberOneHot } from '@mmnet/module-net';

/*
 * Module memory reads of attention modules. module-net's attention families keep every member's parameters
 * stacked, [members, ...]: that stack is the family's memory bank, one row per function token. A read is an
 * address over the rows times the bank (`ModuleCall.addresses`, `applyMemberDense`): one-hot with ground-truth
 * programs (PG_memory), the program generator's distribution in PG_endtoend's soft and gumbel modes.
 */

/** A module family with inputs: its name (`modules.<name>.*`), arity and member tokens in member order. */
export interface MemoryFamily {
  name: string;
  arity: 1 | 2;
  members: readonly string[];
}

/** The families with inputs of a module set, in definition order (the stacked banks of an attention memory). */
export function memoryFamilies(modules: ModuleSet): MemoryFamily[] {
  const families: MemoryFamily[] = [];
  for (const name of modules.names()) {
    const module = modules.get(name)!;
    const family = module.family ?? module.name;
    if (module.arity === 0 || families.some((f) => f.name === family)) continue;
    families.push({ name: family, arity: module.arity, members: modules.familyMembers(family) });
  }
  return families;
}

/** One-hot addresses of every family call: each row reads its own token's row of the family's bank. */
export function oneHotMemberAddresses(modules: ModuleSet): MemberAddressFunction {
  const sizes = new Map<string, number>();
  return (call) => {
    if (call.arity === 0) return undefined;
    let size = sizes.get(call.family);
    if (size === undefined) {
      size = modules.familyMembers(call.family).length;
      sizes.set(call.family, size);
    }
    return memberOneHot(
      call.tokens.map((t) => modules.get(t)?.memberIndex ?? 0),
      size,
    );
  };
}

/**
 * Each family's columns of addresses over a token list (a vocabulary, or the memory rows): [size, members] with a
 * 1 at (index of member m's token, m). Kept tensors, made once; `dispose` frees them.
 */
export class FamilySelections {
  private readonly byFamily = new Map<string, tf.Tensor2D>();

  constructor(families: readonly MemoryFamily[], size: number, indexOf: (token: string) => number) {
    for (const { name, members } of families) {
      const values = new Float32Array(size * members.length);
      members.forEach((token, m) => {
        const i = indexOf(token);
        if (!(Number.isInteger(i) && i >= 0 && i < size))
          throw new Error(
            `module memory: token '${token}' of family '${name}' has no column (not among the tokens the addresses cover)`,
          );
        values[i * members.length + m] = 1;
      });
      this.byFamily.set(name, tf.keep(tf.tensor2d(values, [size, members.length])));
    }
  }

  of(family: string): tf.Tensor2D {
    const selection = this.byFamily.get(family);
    if (!selection) throw new Error(`module memory: no module family '${family}' with inputs`);
    return selection;
  }

  dispose(): void {
    for (const t of this.byFamily.values()) t.dispose();
    this.byFamily.clear();
  }
}

/**
 * Addresses read from per-step distributions over a token list, `distributions` [N * steps, tokens] (row
 * sample * steps + step; `selections` over the same list): a node's address over its family's members is its
 * step's distribution at the members' tokens, renormalised over them with `renormalize` (the mass on other
 * tokens, which chose another family or arity, is dropped). Differentiable with respect to the distributions.
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
    const address = matMul(gatherRows(distributions, rows), selections.of(call.family)) as tf.Tensor2D;
    if (!renormalize) return address;
    return tf.div(address, tf.maximum(tf.sum(address, 1, true), 1e-12)) as tf.Tensor2D;
  };
}
