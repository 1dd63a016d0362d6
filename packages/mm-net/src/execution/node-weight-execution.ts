import type { tf } from '@mmnet/core-tensors';
import {
  type BinaryBlockWeights,
  type ExecutionPlan,
  type ExecutionResult,
  executePrograms,
  type ModuleInstance,
  ModuleSet,
  residualBinary,
  residualUnary,
  type UnaryBlockWeights,
} from '@mmnet/module-net';
import type { Arity, ProgramTreeNode } from '@mmnet/programs';
import { binaryWeightsFromRows, unaryWeightsFromRows } from '../memory/block-layout.js';

/** A node of a batch's program trees: its sample and its step (position of its token). */
export interface NodeRef {
  sample: number;
  step: number;
}

/**
 * Reads the block weights of the nodes of one call, one rank-5 kernel per node (in call order): unary
 * weights for arity 1, binary for arity 2.
 */
export interface NodeWeightReader {
  unary(nodes: readonly NodeRef[]): UnaryBlockWeights;
  binary(nodes: readonly NodeRef[]): BinaryBlockWeights;
}

/** The nodes of every call of an execution, in call order, by arity (what a planned reader reads ahead). */
export interface NodeCallPlan {
  unary: NodeRef[][];
  binary: NodeRef[][];
}

/**
 * Builds the reader of one execution from its plan, before the first call: all the weights of a pass can be
 * read at once (e.g. one product per kernel for every call, see plannedBankReader).
 */
export type NodeWeightReaderFactory = (plan: NodeCallPlan) => NodeWeightReader;

const LEAF = '<leaf>';
const UNARY = '<unary>';
const BINARY = '<binary>';
const CLASS_OF: Record<Arity, string> = { 0: LEAF, 1: UNARY, 2: BINARY };

function relabel(
  node: ProgramTreeNode,
  arityOf: (token: string) => Arity | null,
  sample: number,
): ProgramTreeNode {
  const arity = arityOf(node.token);
  if (arity === null)
    throw new Error(`program of sample ${sample}, step ${node.step}: '${node.token}' is not a module`);
  return {
    token: CLASS_OF[arity],
    step: node.step,
    inputs: node.inputs.map((c) => relabel(c, arityOf, sample)),
  };
}

/** The nodes of a call, in row order: each row's sample and step (`ModuleCall.samples`, `ModuleCall.steps`). */
function nodesOf(call: { samples: readonly number[]; steps: readonly number[] }): NodeRef[] {
  return call.samples.map((sample, i) => ({ sample, step: call.steps[i] }));
}

/**
 * Runs program trees where every node has its own block weights (e.g. a soft mixture of memory rows read
 * with the address of the node's step): all nodes of one arity at one height run as one call with
 * per-sample kernels (perSampleConv2d), through module-net's batched executor and residual blocks. A
 * NodeWeightReader reads each call's weights when the call runs, so they are freed with the call's other
 * intermediates; a NodeWeightReaderFactory gets every call's nodes from the executor's plan first and may
 * read them all at once. `features` is the stem output; leaves (arity 0) return it.
 */
export function executeWithNodeWeights(
  trees: readonly ProgramTreeNode[],
  features: tf.Tensor4D,
  arityOf: (token: string) => Arity | null,
  readWeights: NodeWeightReader | NodeWeightReaderFactory,
  options: { capture?: boolean } = {},
): ExecutionResult {
  const classTrees = trees.map((t, sample) => relabel(t, arityOf, sample));
  let reader: NodeWeightReader | null = typeof readWeights === 'function' ? null : readWeights;
  const onPlan =
    typeof readWeights === 'function'
      ? (plan: ExecutionPlan) => {
          const callsOf = (arity: Arity) =>
            plan.calls
              .filter((c) => c.arity === arity)
              .map((c) =>
                c.nodes.map((id) => ({ sample: plan.nodes[id].sample, step: plan.nodes[id].step })),
              );
          reader = readWeights({ unary: callsOf(1), binary: callsOf(2) });
        }
      : undefined;
  const instances: ModuleInstance[] = [
    { name: LEAF, arity: 0, apply: (_inputs, call) => call.features },
    {
      name: UNARY,
      arity: 1,
      apply: (inputs, call) => residualUnary(inputs[0] as tf.Tensor4D, reader!.unary(nodesOf(call))),
    },
    {
      name: BINARY,
      arity: 2,
      apply: (inputs, call) => {
        const [a, b] = inputs as [tf.Tensor4D, tf.Tensor4D];
        return residualBinary(a, b, reader!.binary(nodesOf(call)));
      },
    },
  ];
  const result = executePrograms(classTrees, features, new ModuleSet(instances), { ...options, onPlan });
  if (result.captures) {
    const tokenAt = new Map<string, string>();
    const visit = (n: ProgramTreeNode, sample: number) => {
      tokenAt.set(`${sample}:${n.step}`, n.token);
      for (const c of n.inputs) visit(c, sample);
    };
    trees.forEach((t, s) => visit(t, s));
    for (const list of result.captures)
      for (const c of list) c.token = tokenAt.get(`${c.sample}:${c.step}`) ?? c.token;
  }
  return result;
}

/**
 * Runs program trees whose nodes read one shared weight row per token (one-hot addresses): module-net's
 * executor groups the nodes of one token at one height, and each group runs as a normal convolution with
 * the read weights (the fastest form on wasm). `rowsByToken` holds a [1, width] row per function token.
 */
export function executeWithTokenWeights(
  trees: readonly ProgramTreeNode[],
  features: tf.Tensor4D,
  dim: number,
  arityOf: (token: string) => Arity | null,
  rowsByToken: ReadonlyMap<string, tf.Tensor2D>,
  options: { capture?: boolean } = {},
): ExecutionResult {
  const instances = new Map<string, ModuleInstance>();
  const visit = (n: ProgramTreeNode, sample: number) => {
    if (!instances.has(n.token)) {
      const arity = arityOf(n.token);
      if (arity === null)
        throw new Error(`program of sample ${sample}, step ${n.step}: '${n.token}' is not a module`);
      const row = rowsByToken.get(n.token);
      if (arity > 0 && !row)
        throw new Error(`program of sample ${sample}, step ${n.step}: no memory row for '${n.token}'`);
      // Kernels are cut from the row once per token (on first use) and shared by all of its calls.
      let unary: UnaryBlockWeights | null = null;
      let binary: BinaryBlockWeights | null = null;
      instances.set(n.token, {
        name: n.token,
        arity,
        apply:
          arity === 0
            ? (_inputs, call) => call.features
            : arity === 1
              ? (inputs) => {
                  unary ??= unaryWeightsFromRows(row!, dim, true);
                  return residualUnary(inputs[0] as tf.Tensor4D, unary);
                }
              : (inputs) => {
                  binary ??= binaryWeightsFromRows(row!, dim, true);
                  const [a, b] = inputs as tf.Tensor[];
                  return residualBinary(a as tf.Tensor4D, b as tf.Tensor4D, binary);
                },
      });
    }
    for (const c of n.inputs) visit(c, sample);
  };
  trees.forEach((t, s) => visit(t, s));
  return executePrograms(trees, features, new ModuleSet(instances.values()), options);
}
