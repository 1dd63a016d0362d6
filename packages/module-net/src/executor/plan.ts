import { type Arity, type ArityFunction, ProgramError, type ProgramTreeNode } from '@mmnet/programs';
import type { RowPick } from '../ops/gather-rows.js';

/** One node of the batch's programs, flattened. `height` is 1 for leaves, 1 + max input height otherwise. */
export interface PlannedNode {
  id: number;
  sample: number;
  step: number;
  token: string;
  height: number;
  inputs: number[];
  /** Where its output lives: row `row` of the output of call `call` (an index into `ExecutionPlan.calls`). */
  call: number;
  row: number;
}

/** All nodes of one module family (a module alone is a family of one) at one height: a single batched call. */
export interface PlannedCall {
  /** The module of the call's first row (of every row unless the call runs a family of several). */
  token: string;
  /** The family the call runs (a module's own name when it is alone). */
  family: string;
  /** The module (member token) of each row. */
  tokens: string[];
  arity: Arity;
  height: number;
  /** Node ids in row order (by sample, then step). */
  nodes: number[];
  samples: number[];
  /** For each input k: the [call, row] of the node feeding input k of each row (calls run earlier). */
  inputs: RowPick[][];
}

export interface ExecutionPlan {
  nodes: PlannedNode[];
  /** Calls in execution order: by height, then by family in order of first appearance. */
  calls: PlannedCall[];
  /** [call, row] of each sample's root, in sample order. */
  roots: RowPick[];
}

/**
 * Schedules a batch of program trees by height: every node of the same family (`familyOf`: the family of a
 * token; each token its own by default) and height runs in one call (its inputs are all computed at lower
 * heights). Checks every token against `arityOf` (modules the executor has) and throws ProgramError naming
 * the sample and step of the first bad node.
 */
export function planExecution(
  programs: readonly ProgramTreeNode[],
  arityOf: ArityFunction,
  familyOf: (token: string) => string = (token) => token,
): ExecutionPlan {
  if (programs.length === 0) throw new Error('executor: no programs');
  const nodes: PlannedNode[] = [];
  const rootIds: number[] = [];
  const visit = (node: ProgramTreeNode, sample: number): number => {
    const arity = arityOf(node.token);
    if (arity === null) {
      throw new ProgramError(node.step, node.token, 'no module is registered for this token', sample);
    }
    if (node.inputs.length !== arity) {
      throw new ProgramError(
        node.step,
        node.token,
        `module takes ${arity} input(s) but the node has ${node.inputs.length}`,
        sample,
      );
    }
    const id = nodes.length;
    nodes.push({ id, sample, step: node.step, token: node.token, height: 1, inputs: [], call: -1, row: -1 });
    const inputs = node.inputs.map((c) => visit(c, sample));
    nodes[id].inputs = inputs;
    nodes[id].height = 1 + inputs.reduce((h, i) => Math.max(h, nodes[i].height), 0);
    return id;
  };
  programs.forEach((root, sample) => {
    if (!root) throw new ProgramError(0, '(none)', 'missing program', sample);
    rootIds.push(visit(root, sample));
  });

  const maxHeight = nodes.reduce((h, n) => Math.max(h, n.height), 0);
  const byHeight: PlannedNode[][] = Array.from({ length: maxHeight }, () => []);
  for (const n of nodes) byHeight[n.height - 1].push(n);
  const calls: PlannedCall[] = [];
  for (const level of byHeight) {
    const byFamily = new Map<string, PlannedCall>();
    for (const n of level) {
      const family = familyOf(n.token);
      let call = byFamily.get(family);
      if (!call) {
        const arity = n.inputs.length as Arity;
        call = {
          token: n.token,
          family,
          tokens: [],
          arity,
          height: n.height,
          nodes: [],
          samples: [],
          inputs: [],
        };
        for (let k = 0; k < arity; k++) call.inputs.push([]);
        byFamily.set(family, call);
      } else if (call.arity !== n.inputs.length) {
        throw new ProgramError(
          n.step,
          n.token,
          `family '${family}' mixes arities ${call.arity} and ${n.inputs.length}`,
          n.sample,
        );
      }
      n.row = call.nodes.length;
      call.nodes.push(n.id);
      call.tokens.push(n.token);
      call.samples.push(n.sample);
      n.inputs.forEach((child, k) => {
        call.inputs[k].push([nodes[child].call, nodes[child].row]);
      });
    }
    for (const call of byFamily.values()) {
      for (const id of call.nodes) nodes[id].call = calls.length;
      calls.push(call);
    }
  }
  return { nodes, calls, roots: rootIds.map((id) => [nodes[id].call, nodes[id].row] as const) };
}
