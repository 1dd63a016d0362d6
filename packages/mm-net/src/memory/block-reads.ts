import { tf } from '@mmnet/core-tensors';
import type { BinaryBlockWeights, UnaryBlockWeights } from '@mmnet/module-net';
import { blockRowWidths } from './block-layout.js';
import type { ModuleMemoryBank } from './module-memory-bank.js';

/** One kernel read from its columns of the bank: [n, 3, 3, cin, cout], or [3, 3, cin, cout] when shared. */
function readKernel(
  bank: ModuleMemoryBank,
  addresses: tf.Tensor2D,
  start: number,
  cin: number,
  cout: number,
  shared: boolean,
): tf.Tensor {
  const n = addresses.shape[0];
  const flat = bank.readColumns(addresses, start, 9 * cin * cout);
  return tf.reshape(flat, shared ? [3, 3, cin, cout] : [n, 3, 3, cin, cout]);
}

function checkShared(name: string, addresses: tf.Tensor2D, shared: boolean) {
  if (shared && addresses.shape[0] !== 1)
    throw new Error(`${name}: shared weights need 1 address, got ${addresses.shape[0]}`);
}

/**
 * Unary block weights read from a bank (row layout of block-layout.ts) by addresses [n, rows]: each kernel
 * is read from its own columns, so only the 2k values a unary block uses are mixed and no row is cut
 * afterwards. Shared rank-4 kernels when `shared` (one address), else one rank-5 kernel per address.
 */
export function readUnaryWeights(
  bank: ModuleMemoryBank,
  addresses: tf.Tensor2D,
  dim: number,
  shared: boolean,
): UnaryBlockWeights {
  checkShared('readUnaryWeights', addresses, shared);
  const { kernel, unary } = blockRowWidths(dim);
  if (bank.width < unary) throw new Error(`readUnaryWeights: bank rows of width ${bank.width} < ${unary}`);
  return {
    conv1: { kernel: readKernel(bank, addresses, 0, dim, dim, shared) },
    conv2: { kernel: readKernel(bank, addresses, kernel, dim, dim, shared) },
  };
}

/** Binary block weights read from a bank by addresses [n, rows] (see readUnaryWeights). */
export function readBinaryWeights(
  bank: ModuleMemoryBank,
  addresses: tf.Tensor2D,
  dim: number,
  shared: boolean,
): BinaryBlockWeights {
  checkShared('readBinaryWeights', addresses, shared);
  const { kernel, binary } = blockRowWidths(dim);
  if (bank.width < binary) throw new Error(`readBinaryWeights: bank rows of width ${bank.width} < ${binary}`);
  return {
    conv1: { kernel: readKernel(bank, addresses, 0, 2 * dim, dim, shared) },
    conv2: { kernel: readKernel(bank, addresses, 2 * kernel, dim, dim, shared) },
    conv3: { kernel: readKernel(bank, addresses, 3 * kernel, dim, dim, shared) },
  };
}
