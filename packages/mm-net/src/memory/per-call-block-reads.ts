import { tf } from '@mmnet/core-tensors';
import type { BinaryBlockWeights, UnaryBlockWeights } from '@mmnet/module-net';
import { blockRowWidths } from './block-layout.js';
import type { ModuleMemoryBank } from './module-memory-bank.js';

/** Where a block's kernels sit in a bank row, in units of k = 9 dim^2, and their input channels / dim. */
const UNARY_KERNELS = [
  { offset: 0, inputs: 1 },
  { offset: 1, inputs: 1 },
];
const BINARY_KERNELS = [
  { offset: 0, inputs: 2 },
  { offset: 2, inputs: 1 },
  { offset: 3, inputs: 1 },
];

function checkCalls(name: string, bank: ModuleMemoryBank, calls: readonly tf.Tensor2D[]): number[] {
  if (calls.length === 0) throw new Error(`${name}: no calls`);
  return calls.map((a, i) => {
    if (a.rank !== 2 || a.shape[1] !== bank.rows || a.shape[0] < 1) {
      throw new Error(`${name}: addresses of call ${i} must be [n >= 1, ${bank.rows}], got [${a.shape}]`);
    }
    return a.shape[0];
  });
}

/**
 * Every kernel of a block for several calls at once: the calls' addresses, stacked, times each kernel's
 * columns of the bank in one product, split by rows into one rank-5 kernel [n, 3, 3, cin, dim] per call.
 * One product per kernel (not per call) gives the bank one gradient per kernel in the backward pass:
 * tfjs keeps every gradient of a backward pass alive until it ends, and a read's gradient is bank-sized.
 */
function readKernelsPerCall(
  bank: ModuleMemoryBank,
  calls: readonly tf.Tensor2D[],
  dim: number,
  layout: readonly { offset: number; inputs: number }[],
): tf.Tensor[][] {
  const sizes = calls.map((a) => a.shape[0]);
  const addresses = calls.length === 1 ? calls[0] : (tf.concat(calls as tf.Tensor2D[], 0) as tf.Tensor2D);
  const { kernel } = blockRowWidths(dim);
  const perKernel = layout.map(({ offset, inputs }) => {
    const flat = bank.readColumns(addresses, offset * kernel, inputs * kernel);
    const parts = calls.length === 1 ? [flat] : tf.split(flat, sizes, 0);
    return parts.map((p, i) => tf.reshape(p, [sizes[i], 3, 3, inputs * dim, dim]));
  });
  return calls.map((_, c) => perKernel.map((parts) => parts[c]));
}

/**
 * Unary block weights of several calls read from a bank (row layout of block-layout.ts) in one product per
 * kernel: `calls` holds each call's addresses [n, rows]; returns one set of rank-5 kernels per call.
 */
export function readUnaryWeightsPerCall(
  bank: ModuleMemoryBank,
  calls: readonly tf.Tensor2D[],
  dim: number,
): UnaryBlockWeights[] {
  checkCalls('readUnaryWeightsPerCall', bank, calls);
  const { unary } = blockRowWidths(dim);
  if (bank.width < unary)
    throw new Error(`readUnaryWeightsPerCall: bank rows of width ${bank.width} < ${unary}`);
  return readKernelsPerCall(bank, calls, dim, UNARY_KERNELS).map(([k1, k2]) => ({
    conv1: { kernel: k1 },
    conv2: { kernel: k2 },
  }));
}

/** Binary block weights of several calls, one product per kernel (see readUnaryWeightsPerCall). */
export function readBinaryWeightsPerCall(
  bank: ModuleMemoryBank,
  calls: readonly tf.Tensor2D[],
  dim: number,
): BinaryBlockWeights[] {
  checkCalls('readBinaryWeightsPerCall', bank, calls);
  const { binary } = blockRowWidths(dim);
  if (bank.width < binary)
    throw new Error(`readBinaryWeightsPerCall: bank rows of width ${bank.width} < ${binary}`);
  return readKernelsPerCall(bank, calls, dim, BINARY_KERNELS).map(([k1, k2, k3]) => ({
    conv1: { kernel: k1 },
    conv2: { kernel: k2 },
    conv3: { kernel: k3 },
  }));
}
