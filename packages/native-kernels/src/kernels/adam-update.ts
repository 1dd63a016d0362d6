import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { asWasmBackend, heapBuffer, heapOffset } from '../wasm/wasm-heap';
import type { KernelArgs, KernelContext } from './kernel-context';
import { runOriginal } from './kernel-context';

/**
 * The fused Adam update kernel of @mmnet/core-tensors (its `ADAM_UPDATE_KERNEL`; named here because
 * core-tensors depends on this package): inputs x, m, v, g; attrs learningRate, beta1, beta2, epsilon,
 * correction1, correction2; outputs the new x, m, v.
 */
export const ADAM_UPDATE_KERNEL_NAME = 'MmnetAdamUpdate';

const CONSTANT_NAMES = ['learningRate', 'beta1', 'beta2', 'epsilon', 'correction1', 'correction2'] as const;

/** Adam's update in one multithreaded native pass over the wasm heap (three new buffers). */
export function makeAdamUpdate(context: KernelContext): KernelFunc {
  return (rawArgs) => {
    const args = rawArgs as KernelArgs;
    const { x, m, v, g } = args.inputs as Record<string, TensorInfo>;
    const adamUpdate = context.addon.adamUpdate;
    if (adamUpdate === undefined) {
      return runOriginal(context, ADAM_UPDATE_KERNEL_NAME, args, 'an addon built before adamUpdate');
    }
    if ([x, m, v, g].some((t) => t.dtype !== 'float32')) {
      return runOriginal(context, ADAM_UPDATE_KERNEL_NAME, args, 'a non-float32 tensor');
    }
    const backend = asWasmBackend(args.backend);
    const outputs = [0, 1, 2].map(() => backend.makeOutput([...x.shape], 'float32'));
    const count = x.shape.reduce((a, b) => a * b, 1);
    if (count === 0) return outputs;
    const attrs = (args.attrs ?? {}) as Record<string, unknown>;
    const constants = CONSTANT_NAMES.map((name) => {
      const value = attrs[name];
      if (typeof value !== 'number')
        throw new Error(`${ADAM_UPDATE_KERNEL_NAME}: attribute ${name} must be a number`);
      return value;
    });
    const offsets = [x, m, v, g, ...outputs].map((t) => heapOffset(backend, t));
    adamUpdate.call(
      context.addon,
      heapBuffer(backend),
      new Float64Array(offsets),
      count,
      new Float64Array(constants),
    );
    return outputs;
  };
}
