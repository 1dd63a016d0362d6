import { describe, expect, it } from 'vitest';
import {
  checkNodeWeightBudget,
  countWeightedNodes,
  NODE_ACTIVATION_COPIES,
  NODE_WEIGHT_COPIES,
  nodeTrainingBytes,
} from '../src/index.js';

const fields = { length: 'maxLength', dim: 'stemDim', budget: 'budgetMB' };

describe('node weight budget', () => {
  it('counts unary and binary nodes (leaves read no weights)', () => {
    const leaf = { token: 'scene', step: -1, inputs: [] };
    const tree = {
      token: 'and',
      step: 0,
      inputs: [{ token: 'f', step: 1, inputs: [leaf] }, leaf],
    };
    const arity = (t: string) => ({ scene: 0, f: 1, and: 2 })[t] ?? null;
    expect(countWeightedNodes([tree, tree], arity)).toEqual({ unary: 2, binary: 2 });
  });

  it('estimates weights and activations per node and refuses over the budget', () => {
    const size = { height: 2, width: 2 };
    const counts = { unary: 3, binary: 1 };
    // dim 1: k = 9; unary mixes 2k, binary 4k values; maps 2x2x1, two per binary node.
    const expected = 4 * (NODE_WEIGHT_COPIES * (3 * 18 + 36) + NODE_ACTIVATION_COPIES * 4 * (3 + 2));
    expect(nodeTrainingBytes(counts, 1, size)).toBe(expected);
    const mb = expected / 2 ** 20;
    expect(() => checkNodeWeightBudget(counts, 1, size, mb, fields)).not.toThrow();
    expect(() => checkNodeWeightBudget(counts, 1, size, mb * 0.99, fields)).toThrow(
      /3 unary and 1 binary nodes of dim 1 on 2x2 maps.*program length \(maxLength\) or stemDim, or raise budgetMB/,
    );
  });
});
