import { broadcast_util, util } from '@tensorflow/tfjs-core';

/** Shapes of one (batched, broadcast) matrix product, following tfjs's BatchMatMul semantics. */
export interface MatMulPlan {
  m: number;
  n: number;
  k: number;
  outShape: number[];
  /** Per output batch entry: the index of the A and B matrices it multiplies. */
  aBatchIndex: Int32Array;
  bBatchIndex: Int32Array;
}

/** Maps each entry of the broadcast batch shape to the matching entry of an operand's own batch shape. */
function broadcastIndices(outer: number[], operandOuter: number[]): Int32Array {
  const total = util.sizeFromShape(outer);
  const indices = new Int32Array(total);
  const offset = outer.length - operandOuter.length;
  const operandStrides = util.computeStrides(operandOuter);
  for (let flat = 0; flat < total; flat++) {
    let rest = flat;
    let index = 0;
    for (let axis = outer.length - 1; axis >= 0; axis--) {
      const coord = rest % outer[axis];
      rest = Math.floor(rest / outer[axis]);
      const operandAxis = axis - offset;
      if (operandAxis < 0 || operandOuter[operandAxis] === 1) continue;
      const stride = operandAxis === operandOuter.length - 1 ? 1 : operandStrides[operandAxis];
      index += coord * stride;
    }
    indices[flat] = index;
  }
  return indices;
}

/** Plans a product of a [..., m, k] (or [..., k, m]) by b [..., k, n] (or [..., n, k]). */
export function planMatMul(
  aShape: number[],
  bShape: number[],
  transposeA: boolean,
  transposeB: boolean,
): MatMulPlan {
  const aRank = aShape.length;
  const bRank = bShape.length;
  const m = transposeA ? aShape[aRank - 1] : aShape[aRank - 2];
  const k = transposeA ? aShape[aRank - 2] : aShape[aRank - 1];
  const kB = transposeB ? bShape[bRank - 1] : bShape[bRank - 2];
  const n = transposeB ? bShape[bRank - 2] : bShape[bRank - 1];
  util.assert(
    k === kB,
    () =>
      `Error in matMul: inner shapes (${k}) and (${kB}) of Tensors with shapes ${aShape} and ${bShape} and ` +
      `transposeA=${transposeA} and transposeB=${transposeB} must match.`,
  );
  const outerA = aShape.slice(0, -2);
  const outerB = bShape.slice(0, -2);
  const outer = broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  return {
    m,
    n,
    k,
    outShape: [...outer, m, n],
    aBatchIndex: broadcastIndices(outer, outerA),
    bBatchIndex: broadcastIndices(outer, outerB),
  };
}
