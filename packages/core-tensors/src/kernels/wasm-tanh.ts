import * as tf from '@tensorflow/tfjs-core';
import { replaceWasmKernel } from './replace-wasm-kernel.js';
import { heapView, type WasmBackendInternals } from './wasm-heap.js';

interface StockKernels {
  tanh: tf.KernelFunc;
  sigmoid: tf.KernelFunc;
  multiply: tf.KernelFunc;
  sub: tf.KernelFunc;
}
let stock: StockKernels | undefined;

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/**
 * Tanh for the wasm backend as 2 sigmoid(2x) - 1 on the backend's own vectorised (XNNPACK) Sigmoid, Multiply
 * and Sub kernels: about 4x faster than its stock Tanh, which calls libm per element. The absolute error is at
 * most a few float32 ulps of 1 (~2.4e-7); NaN stays NaN, +-Infinity give +-1.
 */
function tanhViaSigmoid(args: KernelArgs): tf.TensorInfo {
  const kernels = stock!;
  const backend = args.backend as WasmBackendInternals;
  const x = args.inputs.x as tf.TensorInfo;
  if (x.dtype !== 'float32') return kernels.tanh(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  const kernelBackend = args.backend as tf.KernelBackend;
  const run = (kernel: tf.KernelFunc, inputs: tf.NamedTensorInfoMap) =>
    kernel({ inputs, backend: kernelBackend, attrs: {} }) as tf.TensorInfo;
  const scalar = (value: number) => {
    const info = backend.makeOutput([], 'float32');
    (heapView(backend, info) as Float32Array)[0] = value;
    return info;
  };
  const two = scalar(2);
  const one = scalar(1);
  const doubled = run(kernels.multiply, { a: x, b: two });
  const logistic = run(kernels.sigmoid, { x: doubled });
  const scaled = run(kernels.multiply, { a: logistic, b: two });
  const out = run(kernels.sub, { a: scaled, b: one });
  for (const info of [two, one, doubled, logistic, scaled]) backend.disposeData(info.dataId);
  return out;
}

/** Replaces the wasm backend's Tanh kernel by `tanhViaSigmoid` (idempotent). */
export function installWasmTanh(): void {
  if (stock) return;
  const get = (name: string) => {
    const kernel = tf.getKernel(name, 'wasm');
    if (!kernel) throw new Error(`installWasmTanh: the wasm backend has no ${name} kernel (not registered?)`);
    return kernel.kernelFunc;
  };
  const kernels = { sigmoid: get('Sigmoid'), multiply: get('Multiply'), sub: get('Sub') };
  stock = { ...kernels, tanh: replaceWasmKernel('Tanh', tanhViaSigmoid as tf.KernelFunc, 'installWasmTanh') };
}
