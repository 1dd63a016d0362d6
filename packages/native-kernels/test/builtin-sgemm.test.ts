// No BLAS library on the machine: the addon falls back to its built-in SGEMM, says so, and says how to get
// OpenBLAS. Runs in a process of its own (vitest forks per file), since the addon binds its GEMM once per process.
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, vi } from 'vitest';
import { loadNativeAddon, type NativeAddon } from '../src/addon/native-addon';
import { disableNativeKernels, enableNativeKernels } from '../src/index';
import { forcedCoreHint, openblasInstallHint, preferBuiltinOver } from '../src/registry/native-kernels';
import { seededValues } from './helpers';

const load = loadNativeAddon();
if (!load.ok) console.warn(`[native-kernels] SKIPPING built-in SGEMM cases: ${load.reason}`);
const missing = ['/nonexistent/libopenblas.so.0', '/nonexistent/libblis.so.4'];

describe('choosing between a system BLAS and the built-in SGEMM', () => {
  it('keeps an OpenBLAS that runs kernels for this CPU, and prefers the built-in one over older kernels', () => {
    expect(preferBuiltinOver({ vendor: 'openblas', core: 'Cooperlake' }, 'avx512', {})).toBe('');
    expect(preferBuiltinOver({ vendor: 'openblas', core: 'Haswell' }, 'avx2', {})).toBe('');
    expect(preferBuiltinOver({ vendor: 'openblas', core: 'Prescott' }, 'avx512', {})).toMatch(
      /OpenBLAS chose its Prescott kernels, older than this CPU/,
    );
    // The user's OPENBLAS_CORETYPE is respected; a CPU without AVX2 keeps the library; other vendors are kept.
    expect(
      preferBuiltinOver({ vendor: 'openblas', core: 'Prescott' }, 'avx512', { OPENBLAS_CORETYPE: 'x' }),
    ).toBe('');
    expect(preferBuiltinOver({ vendor: 'openblas', core: 'Prescott' }, 'generic', {})).toBe('');
    expect(preferBuiltinOver({ vendor: 'mkl', core: '' }, 'avx512', {})).toBe('');
  });

  it('says how to get AVX-512 kernels when OPENBLAS_CORETYPE forces older ones on an AVX-512 CPU', () => {
    const haswell = { OPENBLAS_CORETYPE: 'Haswell' };
    expect(forcedCoreHint({ vendor: 'openblas', core: 'Haswell' }, 'avx512', haswell)).toMatch(
      /OPENBLAS_CORETYPE=Haswell runs Haswell kernels on this AVX-512 CPU; unset it or set SkylakeX/,
    );
    // Not forced, already AVX-512 kernels, a CPU without AVX-512, or another vendor: nothing to say.
    expect(forcedCoreHint({ vendor: 'openblas', core: 'Haswell' }, 'avx512', {})).toBeNull();
    expect(
      forcedCoreHint({ vendor: 'openblas', core: 'SkylakeX' }, 'avx512', { OPENBLAS_CORETYPE: 'SkylakeX' }),
    ).toBeNull();
    expect(forcedCoreHint({ vendor: 'openblas', core: 'Haswell' }, 'avx2', haswell)).toBeNull();
    expect(forcedCoreHint({ vendor: 'mkl', core: '' }, 'avx512', haswell)).toBeNull();
  });

  it('names the package that gives OpenBLAS on Linux only', () => {
    expect(openblasInstallHint('linux')).toMatch(/apt-get install libopenblas0-pthread/);
    expect(openblasInstallHint('darwin')).toBeNull();
  });
});

describe.skipIf(!load.ok)('without any BLAS library', () => {
  it("stays off with blas: 'system', printing why once", async () => {
    await tf.setBackend('wasm');
    const onUnavailable = vi.fn();
    const status = enableNativeKernels({ blas: 'system', blasSearch: missing, onUnavailable });
    enableNativeKernels({ blas: 'system', blasSearch: missing, onUnavailable });
    expect(status.enabled).toBe(false);
    expect(status.reason).toMatch(/no BLAS library could be loaded[\s\S]*\/nonexistent\/libopenblas\.so\.0/);
    expect(status.hint).toMatch(/apt-get install libopenblas0-pthread/);
    expect(onUnavailable).toHaveBeenCalledTimes(1);
  });

  it('runs on the built-in SGEMM and says how to get OpenBLAS', async () => {
    await tf.setBackend('wasm');
    const status = enableNativeKernels({ blasSearch: missing, onUnavailable: () => {} });
    expect(status.enabled).toBe(true);
    expect(status.blas).toBe('builtin');
    expect(status.blasCore).toMatch(/^(avx512|avx2|generic)$/);
    expect(status.reason).toMatch(/on the built-in (avx512|avx2|generic) SGEMM \(no BLAS library found\)/);
    expect(status.hint).toMatch(/apt-get install libopenblas0-pthread/);
    const product = tf.matMul(tf.ones([3, 5]), tf.ones([5, 2]));
    expect(Array.from(await product.data())).toEqual(new Array(6).fill(5));
    product.dispose();
    disableNativeKernels();
  });
});

/** C = alpha * op(A) op(B) + beta * C in float64, with leading dimensions. */
function reference(
  [m, n, k, lda, ldb, ldc]: number[],
  transA: boolean,
  transB: boolean,
  alpha: number,
  beta: number,
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
): Float64Array {
  const out = Float64Array.from(c);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        sum += (transA ? a[p * lda + i] : a[i * lda + p]) * (transB ? b[j * ldb + p] : b[p * ldb + j]);
      }
      out[i * ldc + j] = alpha * sum + (beta === 0 ? 0 : beta * c[i * ldc + j]);
    }
  }
  return out;
}

describe.skipIf(!load.ok)('the built-in SGEMM', () => {
  const addon = (load.ok ? load.addon : null) as NativeAddon;

  // Sizes around the tile edges (12/6 rows, 32/16 columns), the depth block (256) and the row block (96).
  const shapes = [
    [1, 1, 1],
    [5, 7, 3],
    [12, 32, 256],
    [13, 33, 257],
    [97, 65, 300],
    [200, 3, 9],
    [3, 200, 520],
  ];

  const kernels = ['avx512', 'avx2', 'generic'].filter((name) => {
    try {
      return addon.builtinSgemmKernel?.(name) === name;
    } catch {
      console.warn(`[native-kernels] built-in SGEMM kernel ${name} not tested: this CPU cannot run it`);
      return false;
    }
  });
  const cases = kernels.flatMap((kernel) => [1, 2].map((threads) => [kernel, threads] as const));

  it.each(cases)(
    '%s kernel on %i threads matches a float64 reference for every transpose, alpha, beta and stride',
    (kernel, threads) => {
      addon.loadBlas(missing, true);
      addon.builtinSgemmKernel?.(kernel);
      addon.setThreads(threads);
      const heap = new ArrayBuffer(16 << 20);
      const f32 = new Float32Array(heap);
      let seed = 1;
      for (const [m, n, k] of shapes) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            for (const [alpha, beta] of [
              [1, 0],
              [0.5, 1],
              [-2, 0.25],
            ]) {
              // Leading dimensions 3 wider than needed, so rows are not contiguous.
              const dims = [m, n, k, (transA ? m : k) + 3, (transB ? k : n) + 3, n + 3];
              const a = seededValues((transA ? k : m) * dims[3], seed++);
              const b = seededValues((transB ? n : k) * dims[4], seed++);
              const c = seededValues(m * dims[5], seed++);
              // beta = 0 must not read C: NaN there must not leak into the result.
              if (beta === 0) c.fill(Number.NaN);
              const [aAt, bAt, cAt] = [0, 4 << 20, 8 << 20];
              f32.set(a, aAt / 4);
              f32.set(b, bAt / 4);
              f32.set(c, cAt / 4);
              addon.sgemm?.(heap, aAt, bAt, cAt, Float64Array.from(dims), transA, transB, alpha, beta);
              const expected = reference(dims, transA, transB, alpha, beta, a, b, c);
              const got = f32.subarray(cAt / 4, cAt / 4 + c.length);
              let worst = 0;
              for (let i = 0; i < m; i++) {
                for (let j = 0; j < dims[5]; j++) {
                  const at = i * dims[5] + j;
                  // Columns past n (the stride's padding) must be untouched.
                  const error = j < n ? Math.abs(got[at] - expected[at]) / (1 + Math.abs(expected[at])) : 0;
                  if (j >= n) expect(Object.is(got[at], c[at])).toBe(true);
                  worst = Math.max(worst, Number.isNaN(error) ? Number.POSITIVE_INFINITY : error);
                }
              }
              expect(
                worst,
                `m=${m} n=${n} k=${k} tA=${transA} tB=${transB} alpha=${alpha} beta=${beta}`,
              ).toBeLessThan(1e-4);
            }
          }
        }
      }
      addon.builtinSgemmKernel?.(kernels[0]);
    },
  );
});
