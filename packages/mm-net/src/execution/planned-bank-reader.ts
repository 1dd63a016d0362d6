import type { tf } from '@mmnet/core-tensors';
import type { BinaryBlockWeights, UnaryBlockWeights } from '@mmnet/module-net';
import type { ModuleMemoryBank } from '../memory/module-memory-bank.js';
import { readBinaryWeightsPerCall, readUnaryWeightsPerCall } from '../memory/per-call-block-reads.js';
import type {
  NodeCallPlan,
  NodeRef,
  NodeWeightReader,
  NodeWeightReaderFactory,
} from './node-weight-execution.js';

function sameNodes(a: readonly NodeRef[], b: readonly NodeRef[]): boolean {
  return a.length === b.length && a.every((n, i) => n.sample === b[i].sample && n.step === b[i].step);
}

/** Hands out the weights read for the planned calls of one arity, in call order. */
function queueOf<W>(
  name: string,
  calls: readonly NodeRef[][],
  weights: W[],
): (nodes: readonly NodeRef[]) => W {
  let next = 0;
  return (nodes) => {
    const i = next++;
    if (i >= calls.length || !sameNodes(calls[i], nodes)) {
      throw new Error(
        `plannedBankReader: ${name} call ${i} is not the planned one (nodes out of plan order)`,
      );
    }
    return weights[i];
  };
}

function present(bank: ModuleMemoryBank | null, kind: string): ModuleMemoryBank {
  if (!bank) throw new Error(`a program calls a ${kind} module, but the memory has no ${kind} bank`);
  return bank;
}

/**
 * A reader that mixes the block weights of every call of an execution up front, one product per kernel:
 * unary calls read `banks.unary`, binary calls `banks.binary` (the same bank when rows hold both, as in
 * PG_endtoend), with the addresses [n, rows] that `addressesOf` gives for a call's nodes. Reading per
 * kernel rather than per call keeps one bank-sized gradient per kernel in the backward pass instead of one
 * per call and kernel.
 */
export function plannedBankReader(
  banks: { unary: ModuleMemoryBank | null; binary: ModuleMemoryBank | null },
  dim: number,
  addressesOf: (arity: 1 | 2, nodes: readonly NodeRef[]) => tf.Tensor2D,
): NodeWeightReaderFactory {
  // Every call of one arity, read in one product per kernel (nothing when the plan has no such call).
  const readAll = <W>(
    arity: 1 | 2,
    calls: readonly (readonly NodeRef[])[],
    readPerCall: (bank: ModuleMemoryBank, addresses: tf.Tensor2D[], dim: number) => W[],
  ): W[] => {
    if (calls.length === 0) return [];
    const kind = arity === 1 ? 'unary' : 'binary';
    return readPerCall(
      present(banks[kind], kind),
      calls.map((nodes) => addressesOf(arity, nodes)),
      dim,
    );
  };
  return (plan: NodeCallPlan): NodeWeightReader => {
    const unary: UnaryBlockWeights[] = readAll(1, plan.unary, readUnaryWeightsPerCall);
    const binary: BinaryBlockWeights[] = readAll(2, plan.binary, readBinaryWeightsPerCall);
    return {
      unary: queueOf('unary', plan.unary, unary),
      binary: queueOf('binary', plan.binary, binary),
    };
  };
}
