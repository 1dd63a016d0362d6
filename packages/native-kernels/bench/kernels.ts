// Kernel benchmarks for the wasm backend with and without @mmnet/native-kernels. Prints JSON lines.
//   pnpm --filter @mmnet/native-kernels bench      (MMNET_THREADS sets the BLAS threads)
// conv2d training: batch 32, 14x14, 128->128, 3x3 'same', forward + backward + Adam (tf.variableGrads and
// tf.train.adam), counted as 3 x the direct convolution's forward FLOPs (the native kernels use Winograd for it).
// Plain wasm has no Conv2DBackpropFilter kernel, so its baseline trains through a custom gradient built from
// plain wasm ops (dx: conv2d of dy with the filter flipped and its channels swapped; dw: one transposed matMul
// per filter tap).
// matMul-small: the time per call of the small products of an LSTM step.
// Every path runs side by side: plain wasm here, then one child process per GEMM the native kernels can use
// (the built-in SGEMM, a system BLAS), since the addon binds its GEMM once per process.
import { spawnSync } from 'node:child_process';
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { disableNativeKernels, enableNativeKernels, type NativeKernelsStatus } from '../src/index';

const BATCH = 32;
const SIZE = 14;
const CHANNELS = 128;
const FILTER = 3;

function print(record: Record<string, unknown>): void {
  console.log(JSON.stringify(record));
}

function timeSteps(step: () => void, warmup: number, steps: number): number {
  for (let i = 0; i < warmup; i++) step();
  const start = performance.now();
  for (let i = 0; i < steps; i++) step();
  return (performance.now() - start) / steps;
}

/** conv2d ('same', stride 1) whose gradient uses only kernels plain wasm has. */
const plainWasmConv = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, w, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([x, w]);
  const value = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same');
  const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
    const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
    const [kh, kw, cin, cout] = ws.shape;
    const flipped = tf.transpose(tf.reverse(ws, [0, 1]), [0, 1, 3, 2]);
    const dx = tf.conv2d(dy as tf.Tensor4D, flipped, 1, 'same');
    const [n, h, wd] = xs.shape;
    const padded = tf.pad(xs, [
      [0, 0],
      [(kh - 1) >> 1, kh >> 1],
      [(kw - 1) >> 1, kw >> 1],
      [0, 0],
    ]);
    const dy2d = tf.reshape(dy, [n * h * wd, cout]);
    const taps: tf.Tensor[] = [];
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        const shifted = tf.reshape(tf.slice(padded, [0, ky, kx, 0], [n, h, wd, cin]), [n * h * wd, cin]);
        taps.push(tf.matMul(tf.transpose(shifted), dy2d));
      }
    }
    return [dx, tf.reshape(tf.stack(taps), [kh, kw, cin, cout])];
  };
  return { value, gradFunc };
});

function convTraining(
  label: string,
  status: NativeKernelsStatus,
  conv: (x: tf.Tensor, w: tf.Tensor) => tf.Tensor,
) {
  // x is a variable too, so the backward pass computes dx (as every layer but the first does) as well as dw.
  const x = tf.variable(tf.randomNormal([BATCH, SIZE, SIZE, CHANNELS], 0, 1, 'float32', 1));
  const w = tf.variable(tf.randomNormal([FILTER, FILTER, CHANNELS, CHANNELS], 0, 0.05, 'float32', 2));
  const optimizer = tf.train.adam(1e-3);
  const step = () => {
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(conv(x, w))) as tf.Scalar, [w, x]);
      if (grads[x.name].shape.length !== 4) throw new Error('no gradient for x');
      optimizer.applyGradients({ [w.name]: grads[w.name] as tf.Variable });
      return value;
    });
    loss.dataSync();
    loss.dispose();
  };
  const ms = timeSteps(step, 2, status.enabled ? 10 : 4);
  const flops = 3 * 2 * BATCH * SIZE * SIZE * CHANNELS * CHANNELS * FILTER * FILTER;
  print({
    bench: 'conv2d-train',
    variant: label,
    shape: `x[${BATCH},${SIZE},${SIZE},${CHANNELS}] w[${FILTER},${FILTER},${CHANNELS},${CHANNELS}] same`,
    msPerStep: Number(ms.toFixed(2)),
    gflops: Number((flops / ms / 1e6).toFixed(1)),
    nativeKernels: status.kernels,
    blas: status.blas,
    blasCore: status.blasCore,
    threads: status.threads,
  });
  optimizer.dispose();
  tf.dispose([x, w]);
}

function matMulBench(label: string, status: NativeKernelsStatus) {
  const [m, k, n] = [6272, 1152, 128];
  for (const [transposeA, transposeB] of [
    [false, false],
    [true, false],
    [false, true],
  ]) {
    const a = tf.randomNormal(transposeA ? [k, m] : [m, k], 0, 1, 'float32', 3);
    const b = tf.randomNormal(transposeB ? [n, k] : [k, n], 0, 1, 'float32', 4);
    const step = () => tf.tidy(() => tf.matMul(a, b, transposeA, transposeB)).dispose();
    const slow = !status.enabled && (transposeA || transposeB);
    const ms = timeSteps(step, 1, slow ? 2 : 5);
    print({
      bench: 'matMul',
      variant: label,
      shape: `${m}x${k} @ ${k}x${n}`,
      transposeA,
      transposeB,
      msPerCall: Number(ms.toFixed(2)),
      gflops: Number(((2 * m * k * n) / ms / 1e6).toFixed(1)),
      nativeKernels: status.kernels,
    });
    tf.dispose([a, b]);
  }
}

/**
 * Small products as in an LSTM training step (batch 32, hidden 64, 4 gates): forward h @ W, and the backward
 * products dx = dGates @ W^T and dW = h^T @ dGates. Their cost is per-call overhead, not FLOPs.
 */
function smallMatMulBench(label: string, status: NativeKernelsStatus) {
  const cases: [number[], number[], boolean, boolean][] = [
    [[32, 64], [64, 256], false, false],
    [[32, 256], [64, 256], false, true],
    [[32, 64], [32, 256], true, false],
  ];
  for (const [aShape, bShape, transposeA, transposeB] of cases) {
    const a = tf.randomNormal(aShape, 0, 1, 'float32', 5);
    const b = tf.randomNormal(bShape, 0, 1, 'float32', 6);
    const ms = timeSteps(() => tf.matMul(a, b, transposeA, transposeB).dispose(), 20, 200);
    print({
      bench: 'matMul-small',
      variant: label,
      a: aShape,
      b: bShape,
      transposeA,
      transposeB,
      usPerCall: Number((ms * 1000).toFixed(1)),
      nativeKernels: status.kernels.length > 0,
    });
    tf.dispose([a, b]);
  }
}

/** The native-kernel runs: MMNET_BLAS=builtin, then MMNET_BLAS=system (skipped, saying why, without one). */
const NATIVE_PATHS = ['builtin', 'system'] as const;

async function native(blas: string) {
  await tf.setBackend('wasm');
  const status = enableNativeKernels({
    blas: blas as (typeof NATIVE_PATHS)[number],
    onUnavailable: () => {},
  });
  if (!status.enabled) {
    print({
      bench: 'native-kernels',
      path: blas,
      enabled: false,
      reason: status.reason.replace(/\s*\n\s*/g, '; '),
    });
    return;
  }
  print({
    bench: 'native-kernels',
    path: blas,
    enabled: true,
    reason: status.reason,
    blasCore: status.blasCore,
  });
  const label = `wasm + native kernels (${blas === 'builtin' ? 'built-in SGEMM' : 'system BLAS'})`;
  matMulBench(label, status);
  smallMatMulBench(label, status);
  convTraining(`${label}, tf.conv2d`, status, (x, w) =>
    tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'),
  );
  disableNativeKernels();
}

async function main() {
  const only = process.argv.indexOf('--native');
  if (only > 0) return native(process.argv[only + 1]);
  await tf.setBackend('wasm');
  const plain = disableNativeKernels();
  matMulBench('wasm', plain);
  smallMatMulBench('wasm', plain);
  convTraining('wasm (custom-gradient conv, plain kernels)', plain, (x, w) => plainWasmConv(x, w));
  for (const blas of NATIVE_PATHS) {
    const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1], '--native', blas], {
      stdio: 'inherit',
    });
    if (child.status !== 0) process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
