// initBackend's one line says which path runs on wasm (native kernels: which addon, which GEMM; or plain wasm)
// and, when a faster one is possible, how to get it. Runs in its own process: the native kernels are per process.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../src/index.js';

describe('the wasm path in the backend line', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('without an addon: plain wasm, why, and how to build the addon', async () => {
    vi.stubEnv('MMNET_NATIVE_KERNELS_ADDON', '/nonexistent/mmnet_native_kernels.node');
    const lines: string[] = [];
    const report = await initBackend({ prefer: 'wasm', env: {}, log: (line) => lines.push(line) });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /native kernels off \(plain wasm\): the addon \/nonexistent\/mmnet_native_kernels\.node/,
    );
    expect(lines[0]).toMatch(
      /install a C\+\+ compiler, then run `pnpm --filter @mmnet\/native-kernels build:native`/,
    );
    expect(report.accelerator?.enabled).toBe(false);
    expect(report.accelerator?.hint).toMatch(/build:native/);
  });

  it('with the addon: which addon and which GEMM, on one line', async () => {
    const report = await initBackend({ prefer: 'wasm', env: {}, log: null });
    const accelerator = report.accelerator;
    if (!accelerator?.enabled) {
      console.warn(`[core-tensors] SKIPPING the native-path line check: ${accelerator?.reason}`);
      return;
    }
    expect(accelerator.reason).toMatch(
      /^native kernels \((prebuilt|source|custom) addon\) on (the built-in (avx512|avx2|generic) SGEMM \(.+\)|.+\(\/.+\)), \d+ threads/,
    );
    expect(accelerator.reason).not.toMatch(/\n/);
    expect(report.reason).toContain(accelerator.reason);
  });
});
