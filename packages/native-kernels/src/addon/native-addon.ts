import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the BLAS loader reports about the library it opened, or about the built-in SGEMM. */
export interface LoadedBlas {
  /** The library file opened; '' for the built-in SGEMM. */
  path: string;
  /** 'openblas', 'blis', 'mkl', 'unknown', or 'builtin' (the addon's own SGEMM: no library could be opened). */
  vendor: string;
  config: string;
  /**
   * The CPU kernel family: OpenBLAS's choice (openblas_get_corename, e.g. 'Haswell', 'Cooperlake'), the built-in
   * SGEMM's instruction set ('avx512', 'avx2', 'generic'); '' for others.
   */
  core: string;
  /** One line per candidate library that could not be opened. */
  failed: string[];
}

/**
 * The compiled addon (native/src/addon.cc). Offsets are byte offsets into `heap`, the wasm backend's current
 * memory buffer; geometry and epilogue layouts are documented in src/kernels/conv-geometry.ts and epilogue.ts.
 */
export interface NativeAddon {
  /** Opens the first candidate with cblas_sgemm, else the built-in SGEMM (throws instead when !allowBuiltin). */
  loadBlas(candidates: string[], allowBuiltin?: boolean): LoadedBlas;
  /**
   * The built-in SGEMM's instruction set ('avx512', 'avx2' or 'generic'; by default the widest this CPU runs),
   * after selecting `name` when given (throws when this CPU cannot run it).
   */
  builtinSgemmKernel?(name?: string): string;
  /** Switches to the built-in SGEMM (e.g. when the library found runs kernels older than the CPU). */
  useBuiltinSgemm?(): LoadedBlas;
  /** One row-major GEMM on the BLAS in use: dims = [m, n, k, lda, ldb, ldc]. */
  sgemm?(
    heap: ArrayBuffer,
    aOffset: number,
    bOffset: number,
    cOffset: number,
    dims: Float64Array,
    transposeA: boolean,
    transposeB: boolean,
    alpha: number,
    beta: number,
  ): void;
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

export const PACKAGE_NAME = '@mmnet/native-kernels';
const SOURCE_BUILD = join('native', 'build', 'Release', 'mmnet_native_kernels.node');
export const BUILD_COMMAND = `pnpm --filter ${PACKAGE_NAME} build:native`;

/** This package's root folder: the nearest ancestor of this module holding its package.json. */
export function findPackageRoot(start: string = dirname(fileURLToPath(import.meta.url))): string | null {
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

/** 'glibc' or 'musl' on Linux (the prebuilt addon needs glibc), null elsewhere. */
export function detectLibc(): 'glibc' | 'musl' | null {
  if (process.platform !== 'linux') return null;
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)
    ?.header;
  return header?.glibcVersionRuntime ? 'glibc' : 'musl';
}

/** Where an addon may be, in the order tried. */
export interface AddonCandidate {
  /** custom: MMNET_NATIVE_KERNELS_ADDON or options.addonPath; prebuilt: shipped in prebuilds/; source: build:native. */
  kind: 'custom' | 'prebuilt' | 'source';
  path: string;
}

export interface AddonSearch {
  /** A single addon file to load instead of the search (default MMNET_NATIVE_KERNELS_ADDON). */
  addonPath?: string;
  /** The package folder holding prebuilds/ and build/ (default: this package). */
  packageRoot?: string | null;
  platform?: string;
  arch?: string;
  libc?: 'glibc' | 'musl' | null;
}

/** The file name of the prebuilt addon for a platform: prebuilds/<platform>-<arch>/mmnet_native_kernels[.<libc>].node. */
export function prebuiltAddonFile(platform: string, arch: string, libc: string | null): string {
  return join('prebuilds', `${platform}-${arch}`, `mmnet_native_kernels${libc ? `.${libc}` : ''}.node`);
}

/** The addons to try: an explicit one alone, else the prebuilt one for this platform, then a source build. */
export function addonCandidates(search: AddonSearch = {}): AddonCandidate[] {
  const explicit = search.addonPath ?? process.env.MMNET_NATIVE_KERNELS_ADDON;
  if (explicit) return [{ kind: 'custom', path: explicit }];
  const root = search.packageRoot === undefined ? findPackageRoot() : search.packageRoot;
  if (root === null) return [];
  const libc = search.libc === undefined ? detectLibc() : search.libc;
  const prebuilt = prebuiltAddonFile(search.platform ?? process.platform, search.arch ?? process.arch, libc);
  return [
    { kind: 'prebuilt', path: join(root, prebuilt) },
    { kind: 'source', path: join(root, SOURCE_BUILD) },
  ];
}

export type AddonLoad =
  | { ok: true; addon: NativeAddon; path: string; kind: AddonCandidate['kind']; skipped: string[] }
  | { ok: false; reason: string };

/**
 * Loads the first addon of `addonCandidates(search)` that Node can open: the prebuilt one for this platform,
 * else a source build. When none loads, the reason names each one tried and how to build one. Never throws.
 */
export function loadNativeAddon(search: AddonSearch = {}): AddonLoad {
  const candidates = addonCandidates(search);
  if (candidates.length === 0)
    return { ok: false, reason: `cannot locate the ${PACKAGE_NAME} package folder` };
  const skipped: string[] = [];
  for (const candidate of candidates) {
    if (!existsSync(candidate.path)) {
      skipped.push(
        candidate.kind === 'prebuilt'
          ? `no prebuilt addon for this platform (${candidate.path} is missing)`
          : candidate.kind === 'source'
            ? `no source-built addon at ${candidate.path}`
            : `the addon ${candidate.path} (MMNET_NATIVE_KERNELS_ADDON or addonPath) does not exist`,
      );
      continue;
    }
    try {
      const addon = createRequire(import.meta.url)(candidate.path) as NativeAddon;
      return { ok: true, addon, path: candidate.path, kind: candidate.kind, skipped };
    } catch (error) {
      skipped.push(`${candidate.kind} addon ${candidate.path} cannot be loaded: ${firstLine(error)}`);
    }
  }
  const buildHint =
    candidates[0].kind === 'custom'
      ? ''
      : `; to build one, install a C++ compiler and run \`${BUILD_COMMAND}\``;
  return { ok: false, reason: `${skipped.join('; ')}${buildHint}` };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
