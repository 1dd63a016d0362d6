import type { ProgramTreeNode } from '@mmnet/programs';
import { blockRowWidths } from '../memory/block-layout.js';

/**
 * Copies a training step holds at its peak (tfjs keeps every gradient until the backward pass ends), per
 * executed node: of its weight mixture (the mixture, its per-call part, the copy the per-sample convolution
 * saves for the backward pass, its gradient) and of one activation map [H, W, dim] per input (the block's
 * intermediates, their saved copies and gradients, the executor's gathers and their gradients). Measured on
 * the wasm backend at the bench's small config (dim 64, 14x14): the estimate is within ~15% of the heap.
 */
export const NODE_WEIGHT_COPIES = 4;
export const NODE_ACTIVATION_COPIES = 40;

/** Executed nodes of the trees by arity (leaves read no weights). */
export function countWeightedNodes(
  trees: readonly ProgramTreeNode[],
  arityOf: (token: string) => number | null,
): { unary: number; binary: number } {
  const counts = { unary: 0, binary: 0 };
  const visit = (n: ProgramTreeNode) => {
    const arity = arityOf(n.token);
    if (arity === 1) counts.unary++;
    else if (arity === 2) counts.binary++;
    n.inputs.forEach(visit);
  };
  trees.forEach(visit);
  return counts;
}

/** Bytes of the float32 weight mixtures of the nodes: 2k per unary node, 4k per binary node (k = 9 dim^2). */
export function nodeWeightBytes(counts: { unary: number; binary: number }, dim: number): number {
  const { unary, binary } = blockRowWidths(dim);
  return 4 * (counts.unary * unary + counts.binary * binary);
}

/** Bytes of the float32 activation maps the nodes take as inputs ([H, W, dim] each; two per binary node). */
export function nodeActivationBytes(
  counts: { unary: number; binary: number },
  dim: number,
  size: { height: number; width: number },
): number {
  return 4 * size.height * size.width * dim * (counts.unary + 2 * counts.binary);
}

/** Estimated peak bytes of the executed nodes in a training step (see NODE_WEIGHT_COPIES). */
export function nodeTrainingBytes(
  counts: { unary: number; binary: number },
  dim: number,
  size: { height: number; width: number },
): number {
  return (
    NODE_WEIGHT_COPIES * nodeWeightBytes(counts, dim) +
    NODE_ACTIVATION_COPIES * nodeActivationBytes(counts, dim, size)
  );
}

/**
 * Refuses a batch whose per-node weights and activations would obviously exhaust memory in a training step
 * (nodeTrainingBytes against `budgetMB`), with an error naming what to reduce: `fields` names the model's
 * config fields that set the program length and dim, and the budget.
 */
export function checkNodeWeightBudget(
  counts: { unary: number; binary: number },
  dim: number,
  size: { height: number; width: number },
  budgetMB: number,
  fields: { length: string; dim: string; budget: string },
): void {
  const mb = nodeTrainingBytes(counts, dim, size) / 2 ** 20;
  if (mb > budgetMB) {
    throw new Error(
      `per-node module weights: ${counts.unary} unary and ${counts.binary} binary nodes of dim ${dim} on ` +
        `${size.height}x${size.width} maps need about ${mb.toFixed(0)} MB in a training step, over ` +
        `${fields.budget} = ${budgetMB} MB: reduce the batch size, the program length (${fields.length}) or ` +
        `${fields.dim}, or raise ${fields.budget} if the memory is there`,
    );
  }
}
