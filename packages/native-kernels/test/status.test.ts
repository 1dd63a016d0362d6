import '@tensorflow/tfjs-backend-wasm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadNativeAddon } from '../src/addon/native-addon';
import { defaultBlasCandidates } from '../src/blas/blas-candidates';
import { enableNativeKernels, nativeKernelsStatus, resolveThreadCount } from '../src/index';
import { planMatMul } from '../src/kernels/mat-mul-plan';
import { describeBlasCore } from '../src/registry/native-kernels';

describe('when the accelerator cannot be turned on', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('names a missing custom addon', () => {
    const load = loadNativeAddon({ addonPath: '/nonexistent/mmnet_native_kernels.node' });
    expect(load.ok).toBe(false);
    if (!load.ok) expect(load.reason).toMatch(/\/nonexistent\/mmnet_native_kernels\.node .*does not exist/);
  });

  it('reports the reason once and stays off', () => {
    vi.stubEnv('MMNET_NATIVE_KERNELS', '');
    const onUnavailable = vi.fn();
    const options = { addonPath: '/nonexistent/mmnet_native_kernels.node', onUnavailable };
    const first = enableNativeKernels(options);
    const second = enableNativeKernels(options);
    expect(first).toEqual({
      enabled: false,
      reason: expect.stringMatching(/does not exist/),
      hint: expect.stringMatching(/C\+\+ compiler.*build:native/),
      addon: null,
      addonKind: null,
      blas: null,
      blasCore: null,
      threads: 0,
      kernels: [],
    });
    expect(second.enabled).toBe(false);
    expect(onUnavailable).toHaveBeenCalledTimes(1);
    expect(nativeKernelsStatus().enabled).toBe(false);
  });

  it('stays off when MMNET_NATIVE_KERNELS=off', () => {
    vi.stubEnv('MMNET_NATIVE_KERNELS', 'off');
    const status = enableNativeKernels({ onUnavailable: () => {} });
    expect(status.enabled).toBe(false);
    expect(status.reason).toMatch(/MMNET_NATIVE_KERNELS=off/);
  });

  it('rejects unknown kernel names', () => {
    expect(() => enableNativeKernels({ kernels: ['Conv3D'] })).toThrow(/unknown kernel\(s\) Conv3D/);
  });
});

describe('thread count', () => {
  it('takes the option, then MMNET_THREADS, then every core', () => {
    expect(resolveThreadCount(3, { MMNET_THREADS: '1' })).toBe(3);
    expect(resolveThreadCount(undefined, { MMNET_THREADS: '2' })).toBe(2);
    expect(resolveThreadCount(undefined, {})).toBeGreaterThan(0);
  });

  it('names MMNET_THREADS when it is malformed', () => {
    expect(() => resolveThreadCount(undefined, { MMNET_THREADS: 'many' })).toThrow(/MMNET_THREADS.*'many'/);
    expect(() => resolveThreadCount(0)).toThrow(/threads/);
  });
});

describe('BLAS candidates', () => {
  it('prefer OpenBLAS pthread and never name the reference libblas', () => {
    const candidates = defaultBlasCandidates('x64');
    expect(candidates[0]).toBe('/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0');
    expect(candidates.some((c) => /libblas\.so/.test(c))).toBe(false);
    expect(candidates.findIndex((c) => c.includes('blis'))).toBeLessThan(
      candidates.findIndex((c) => c.includes('mkl')),
    );
  });
});

describe('BLAS core report', () => {
  it('says when OPENBLAS_CORETYPE chose the core, and nothing for a BLAS without one', () => {
    expect(describeBlasCore('Cooperlake', {})).toBe('Cooperlake');
    expect(describeBlasCore('Haswell', { OPENBLAS_CORETYPE: 'Haswell' })).toBe(
      'Haswell (forced by OPENBLAS_CORETYPE=Haswell)',
    );
    expect(describeBlasCore('', { OPENBLAS_CORETYPE: 'Haswell' })).toBeNull();
  });
});

describe('matMul planning', () => {
  it('broadcasts batch dimensions like numpy', () => {
    const plan = planMatMul([2, 1, 5, 4], [3, 4, 6], false, false);
    expect(plan.outShape).toEqual([2, 3, 5, 6]);
    expect(Array.from(plan.aBatchIndex)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(Array.from(plan.bBatchIndex)).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it('reads m, n, k through the transpose flags', () => {
    const plan = planMatMul([7, 3], [5, 7], true, true);
    expect([plan.m, plan.n, plan.k]).toEqual([3, 5, 7]);
  });

  it('names both shapes when the inner dimensions differ', () => {
    expect(() => planMatMul([2, 3], [4, 5], false, false)).toThrow(/inner shapes \(3\) and \(4\)/);
  });
});
