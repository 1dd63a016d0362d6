import * as tf from '@tensorflow/tfjs-core';

/**
 * Registers `kernelFunc` as the wasm backend's kernel `name` in place of the stock one, and returns the stock
 * kernel (for the cases the replacement hands back). `installer` names the caller in the error raised when
 * the wasm backend has no such kernel.
 */
export function replaceWasmKernel(name: string, kernelFunc: tf.KernelFunc, installer: string): tf.KernelFunc {
  const existing = tf.getKernel(name, 'wasm');
  if (!existing) throw new Error(`${installer}: the wasm backend has no ${name} kernel (not registered?)`);
  tf.unregisterKernel(name, 'wasm');
  // The stock setup (binding its wasm functions) must still run if the backend initialises again.
  tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc, setupFunc: existing.setupFunc });
  return existing.kernelFunc;
}
