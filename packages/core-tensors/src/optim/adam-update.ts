import * as tf from '@tensorflow/tfjs-core';

/** The constants of one Adam update: t is the variable's step number (1 for its first update). */
export interface AdamUpdateConstants {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 1 - beta1^t */
  correction1: number;
  /** 1 - beta2^t */
  correction2: number;
}

/** The operands of one Adam update: a variable, its first and second moments, its gradient and the constants. */
export type AdamUpdateOperands = [
  variable: tf.Variable,
  m: tf.Variable,
  v: tf.Variable,
  grad: tf.Tensor,
  c: AdamUpdateConstants,
];

/**
 * Name of the fused kernel: inputs x, m, v, g; attrs as `AdamUpdateConstants`; outputs the new x, m, v.
 * `registerAdamUpdateKernel` registers it for the cpu backend; @mmnet/native-kernels serves it on wasm.
 */
export const ADAM_UPDATE_KERNEL = 'MmnetAdamUpdate';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/** One pass over the elements: m, v and the value of tfjs's Adam, computed in double and stored as float32. */
function updateElements(
  x: Float32Array,
  m: Float32Array,
  v: Float32Array,
  g: Float32Array,
  outX: Float32Array,
  outM: Float32Array,
  outV: Float32Array,
  c: AdamUpdateConstants,
): void {
  const { beta1, beta2, epsilon, correction1, correction2 } = c;
  const a1 = 1 - beta1;
  const a2 = 1 - beta2;
  const step = -c.learningRate / correction1;
  for (let i = 0; i < x.length; i++) {
    const gi = g[i];
    const mi = beta1 * m[i] + a1 * gi;
    const vi = beta2 * v[i] + a2 * gi * gi;
    outM[i] = mi;
    outV[i] = vi;
    outX[i] = x[i] + (step * mi) / (Math.sqrt(vi / correction2) + epsilon);
  }
}

function constantsOf(attrs: tf.NamedAttrMap | undefined): AdamUpdateConstants {
  return attrs as unknown as AdamUpdateConstants;
}

interface CpuBackendInternals {
  data: { get(dataId: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

function cpuAdamUpdate(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as CpuBackendInternals;
  const { x, m, v, g } = args.inputs as Record<string, tf.TensorInfo>;
  const values = (info: tf.TensorInfo) => backend.data.get(info.dataId).values;
  const size = tf.util.sizeFromShape(x.shape);
  const out = [new Float32Array(size), new Float32Array(size), new Float32Array(size)];
  updateElements(values(x), values(m), values(v), values(g), out[0], out[1], out[2], constantsOf(args.attrs));
  return out.map((o) => backend.makeTensorInfo([...x.shape], 'float32', o));
}

/**
 * Registers the fused kernel for the cpu backend (idempotent). On wasm a JS loop over the heap is no faster
 * than the backend's vectorised element-wise kernels, so wasm runs tfjs ops unless @mmnet/native-kernels is on.
 */
export function registerAdamUpdateKernel(): void {
  if (tf.getKernel(ADAM_UPDATE_KERNEL, 'cpu')) return;
  tf.registerKernel({
    kernelName: ADAM_UPDATE_KERNEL,
    backendName: 'cpu',
    kernelFunc: cpuAdamUpdate as tf.KernelFunc,
  });
}

/**
 * The update with tfjs ops (any backend), in tfjs's order of operations, assigning each result as soon as it
 * exists: at most three variable-sized temporaries live at once.
 */
export function applyAdamUpdateWithOps(...[variable, m, v, grad, c]: AdamUpdateOperands): void {
  const only = <T extends tf.Tensor>(f: () => T): T => tf.tidy(f);
  const assign = (target: tf.Variable, value: tf.Tensor) => {
    target.assign(value);
    value.dispose();
  };
  tf.tidy(() => {
    const { beta1, beta2 } = c;
    assign(
      m,
      only(() => tf.add(tf.mul(m, beta1), tf.mul(grad, 1 - beta1))),
    );
    assign(
      v,
      only(() =>
        tf.add(
          tf.mul(v, beta2),
          only(() => tf.mul(tf.square(grad), 1 - beta2)),
        ),
      ),
    );
    const denominator = only(() =>
      tf.add(
        only(() => tf.sqrt(tf.div(v, c.correction2))),
        c.epsilon,
      ),
    );
    const ratio = only(() => tf.div(tf.div(m, c.correction1), denominator));
    denominator.dispose();
    const newValue = only(() => tf.add(tf.mul(ratio, -c.learningRate), variable));
    ratio.dispose();
    assign(variable, newValue);
  });
}

/**
 * One Adam update of a float32 variable and its moments, in place of their values. Runs the fused one-pass
 * kernel where it is registered for the active backend (cpu; wasm with @mmnet/native-kernels: three new
 * buffers, nothing else), tfjs ops elsewhere.
 */
export function applyAdamUpdate(...operands: AdamUpdateOperands): void {
  const [variable, m, v, grad, c] = operands;
  const fused =
    [variable, m, v, grad].every((t) => t.dtype === 'float32') &&
    tf.getKernel(ADAM_UPDATE_KERNEL, tf.getBackend());
  if (!fused) {
    applyAdamUpdateWithOps(...operands);
    return;
  }
  const outputs = tf
    .engine()
    .runKernel(ADAM_UPDATE_KERNEL, { x: variable, m, v, g: grad }, { ...c }) as tf.Tensor[];
  [variable, m, v].forEach((target, i) => {
    target.assign(outputs[i]);
    outputs[i].dispose();
  });
}
