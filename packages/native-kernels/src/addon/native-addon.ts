import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the BLAS loader reports about the library it opened. */
export interface LoadedBlas {
  path: string;
  vendor: string;
  config: string;
  /** The CPU kernel family OpenBLAS chose (openblas_get_corename, e.g. 'Haswell', 'Cooperlake'); '' for others. */
  core: string;
}

/**
 * The compiled addon (native/src/addon.cc). Offsets are byte offsets into `heap`, the wasm backend's current
 * memory buffer; geometry and epilogue layouts are documented in src/kernels/conv-geometry.ts and epilogue.ts.
 */
export interface NativeAddon {
  loadBlas(candidates: string[]): LoadedBlas;
  /** Sets the BLAS threads and the addon's own im2col/col2im threads; returns the BLAS count in force. */
  setThreads(threads: number): number;
  getThreads(): number;
  /**
   * Products with fewer multiply-adds (m * n * k) than this run on one BLAS thread (0: never); returns the
   * value in force.
   */
  setSingleThreadMacs(macs: number): number;
  /**
   * 3x3 stride-1 convolutions with at least this many input and output channels use Winograd F(2x2, 3x3)
   * (0: never; default 16); returns the value in force.
   */
  setWinogradMinChannels(channels: number): number;
  setChunkBytes(bytes: number): number;
  releaseScratch(): void;
  matMul(
    heap: ArrayBuffer,
    aOffsets: Float64Array,
    bOffsets: Float64Array,
    cOffsets: Float64Array,
    m: number,
    n: number,
    k: number,
    transposeA: boolean,
    transposeB: boolean,
    epilogue: Float64Array,
  ): void;
  conv2d(
    heap: ArrayBuffer,
    xOffset: number,
    filterOffset: number,
    outOffset: number,
    geometry: Float64Array,
    epilogue: Float64Array,
  ): void;
  conv2dBackpropInput(
    heap: ArrayBuffer,
    dyOffset: number,
    filterOffset: number,
    dxOffset: number,
    geometry: Float64Array,
  ): void;
  conv2dBackpropFilter(
    heap: ArrayBuffer,
    xOffset: number,
    dyOffset: number,
    dwOffset: number,
    geometry: Float64Array,
  ): void;
  /**
   * One Adam update in one pass. Offsets: [x, m, v, g, outX, outM, outV]; constants: [learningRate, beta1,
   * beta2, epsilon, correction1, correction2]. Absent from addons built before it (check before use).
   */
  adamUpdate?(heap: ArrayBuffer, offsets: Float64Array, count: number, constants: Float64Array): void;
}

const PACKAGE_NAME = '@mmnet/native-kernels';
const ADDON_FILE = join('build', 'Release', 'mmnet_native_kernels.node');

/** This package's root folder: the nearest ancestor of this module holding its package.json. */
function findPackageRoot(start: string = dirname(fileURLToPath(import.meta.url))): string | null {
  let dir = start;
  for (let depth = 0; depth < 6; depth++) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if (JSON.parse(readFileSync(manifest, 'utf8')).name === PACKAGE_NAME) return dir;
      } catch {
        // An unreadable manifest is not ours; keep walking up.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}

/** Where the addon is expected: `MMNET_NATIVE_KERNELS_ADDON`, else `<package>/build/Release/…`. */
function defaultAddonPath(): string | null {
  const override = process.env.MMNET_NATIVE_KERNELS_ADDON;
  if (override) return override;
  const root = findPackageRoot();
  return root === null ? null : join(root, ADDON_FILE);
}

export type AddonLoad = { ok: true; addon: NativeAddon; path: string } | { ok: false; reason: string };

/** Loads the compiled addon, or explains why it cannot be loaded. Never throws. */
export function loadNativeAddon(path: string | null = defaultAddonPath()): AddonLoad {
  if (path === null) return { ok: false, reason: `cannot locate the ${PACKAGE_NAME} package folder` };
  if (!existsSync(path)) {
    return {
      ok: false,
      reason:
        `native addon not built (${path} is missing): install a C++ compiler and run ` +
        `\`pnpm --filter ${PACKAGE_NAME} build:native\``,
    };
  }
  try {
    const addon = createRequire(import.meta.url)(path) as NativeAddon;
    return { ok: true, addon, path };
  } catch (error) {
    return { ok: false, reason: `native addon ${path} cannot be loaded: ${(error as Error).message}` };
  }
}
