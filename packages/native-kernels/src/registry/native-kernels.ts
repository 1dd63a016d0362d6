import {
  findBackendFactory,
  getKernel,
  type KernelConfig,
  registerKernel,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import {
  type AddonCandidate,
  type AddonSearch,
  BUILD_COMMAND,
  type LoadedBlas,
  loadNativeAddon,
  type NativeAddon,
} from '../addon/native-addon';
import { blasCandidates } from '../blas/blas-candidates';
import { ADAM_UPDATE_KERNEL_NAME } from '../kernels/adam-update';
import { resolveThreadCount } from '../threads/thread-count';
import { NATIVE_KERNEL_FACTORIES, NATIVE_KERNEL_NAMES } from './native-kernel-set';

const BACKEND = 'wasm';

export interface NativeKernelsOptions extends AddonSearch {
  /** BLAS threads; default `MMNET_THREADS`, else every core. */
  threads?: number;
  /**
   * 'auto' (default): a system BLAS when one opens and runs kernels made for this CPU, else the built-in SGEMM;
   * 'system': a system BLAS or nothing; 'builtin': the built-in SGEMM. Default: `MMNET_BLAS=builtin` or
   * `MMNET_BLAS=system` when set so, else 'auto' (any other MMNET_BLAS value is a library path tried first).
   */
  blas?: 'auto' | 'system' | 'builtin';
  /** Library paths tried before the search list. */
  blasPaths?: string[];
  /** Replaces the search list (default: defaultBlasCandidates(), OpenBLAS pthread first). */
  blasSearch?: string[];
  /** Only these kernels (tfjs-core names); default all of NATIVE_KERNEL_NAMES. */
  kernels?: string[];
  /** Called once per distinct reason when the accelerator stays off; default console.warn. */
  onUnavailable?: (reason: string) => void;
}

export interface NativeKernelsStatus {
  enabled: boolean;
  /** Why it is off, or which addon and GEMM serve it when on (one line). */
  reason: string;
  /** When a faster setup is possible: exactly how to get it (one line); else null. */
  hint: string | null;
  /** The addon file in use and where it came from (prebuilt, source build, custom path), or null. */
  addon: string | null;
  addonKind: AddonCandidate['kind'] | null;
  /** Path of the BLAS library in use, 'builtin' for the addon's own SGEMM, or null. */
  blas: string | null;
  /**
   * The CPU kernel family the BLAS runs ('Cooperlake', 'Haswell', ... from openblas_get_corename), with
   * "forced by OPENBLAS_CORETYPE=..." when that variable chose it; null when off or not OpenBLAS.
   */
  blasCore: string | null;
  threads: number;
  /** Kernel names currently served natively for the wasm backend. */
  kernels: string[];
}

interface ActiveState {
  addon: NativeAddon;
  addonPath: string;
  addonKind: AddonCandidate['kind'];
  blas: LoadedBlas;
  /** Why the built-in SGEMM runs ('' when a library does). */
  builtinWhy: string;
  hint: string | null;
  /** Kernel name -> the wasm kernel it replaced (undefined when wasm had none). */
  replaced: Map<string, KernelConfig | undefined>;
}

let active: ActiveState | null = null;
let lastStatus: NativeKernelsStatus = off('not enabled');
const reported = new Set<string>();

function off(reason: string, hint: string | null = null): NativeKernelsStatus {
  return {
    enabled: false,
    reason,
    hint,
    addon: null,
    addonKind: null,
    blas: null,
    blasCore: null,
    threads: 0,
    kernels: [],
  };
}

function reportOff(
  reason: string,
  options: NativeKernelsOptions,
  hint: string | null = null,
): NativeKernelsStatus {
  if (!reported.has(reason)) {
    reported.add(reason);
    (options.onUnavailable ?? ((r: string) => console.warn(`@mmnet/native-kernels is off: ${r}`)))(reason);
  }
  lastStatus = off(reason, hint);
  return lastStatus;
}

/**
 * OpenBLAS core families whose SGEMM uses FMA with AVX2 or AVX-512. Any other family on an x86 CPU where the
 * built-in SGEMM runs AVX2 or AVX-512 means OpenBLAS did not recognise the CPU (an OpenBLAS older than the CPU
 * falls back to e.g. 'Prescott', SSE3 kernels ~5x slower) and the built-in SGEMM is the faster one.
 */
const MODERN_OPENBLAS_CORES = ['haswell', 'zen', 'skylakex', 'cooperlake', 'sapphirerapids'];

/** Why the built-in SGEMM should replace the library just opened, or '' to keep the library. */
export function preferBuiltinOver(
  blas: Pick<LoadedBlas, 'vendor' | 'core'>,
  builtinCore: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  if (blas.vendor !== 'openblas' || !blas.core || env.OPENBLAS_CORETYPE?.trim()) return '';
  if (builtinCore !== 'avx512' && builtinCore !== 'avx2') return '';
  if (MODERN_OPENBLAS_CORES.includes(blas.core.toLowerCase())) return '';
  return `OpenBLAS chose its ${blas.core} kernels, older than this CPU`;
}

/** OpenBLAS core families whose SGEMM uses AVX-512. */
const AVX512_OPENBLAS_CORES = ['skylakex', 'cooperlake', 'sapphirerapids'];

/**
 * How to get OpenBLAS's AVX-512 kernels when OPENBLAS_CORETYPE forces older ones on a CPU that has AVX-512 (the
 * built-in SGEMM's widest kernel tells), or null. The setting stays the user's: it may work around a real problem.
 */
export function forcedCoreHint(
  blas: Pick<LoadedBlas, 'vendor' | 'core'>,
  builtinCore: string,
  env: NodeJS.ProcessEnv = process.env,
): string | null {
  const forced = env.OPENBLAS_CORETYPE?.trim();
  if (!forced || blas.vendor !== 'openblas' || !blas.core || builtinCore !== 'avx512') return null;
  if (AVX512_OPENBLAS_CORES.includes(blas.core.toLowerCase())) return null;
  return `OPENBLAS_CORETYPE=${forced} runs ${blas.core} kernels on this AVX-512 CPU; unset it or set SkylakeX for faster products, unless it works around a problem of this OpenBLAS`;
}

/** The install command that gives a system OpenBLAS on this platform, or null when there is none to suggest. */
export function openblasInstallHint(platform: string = process.platform): string | null {
  return platform === 'linux'
    ? 'a system OpenBLAS that knows this CPU can be faster: `apt-get install libopenblas0-pthread` (Debian/Ubuntu)'
    : null;
}

interface BlasChoice {
  addonPath: string;
  blas: LoadedBlas;
  /** Why the built-in SGEMM runs ('' when a library does). */
  builtinWhy: string;
  hint: string | null;
}

let chosenBlas: BlasChoice | null = null;

/** Binds the addon's GEMM: a system BLAS, or the built-in SGEMM, as options.blas and MMNET_BLAS ask. */
function chooseBlas(addon: NativeAddon, addonPath: string, options: NativeKernelsOptions): BlasChoice {
  const fromEnv = process.env.MMNET_BLAS?.trim().toLowerCase();
  const mode = options.blas ?? (fromEnv === 'builtin' || fromEnv === 'system' ? fromEnv : 'auto');
  const canBuiltin = typeof addon.useBuiltinSgemm === 'function';
  if (mode === 'builtin') {
    if (!canBuiltin) throw new Error(`the addon ${addonPath} predates the built-in SGEMM; rebuild it`);
    return {
      addonPath,
      blas: addon.loadBlas([], true),
      builtinWhy: 'asked for with MMNET_BLAS=builtin',
      hint: null,
    };
  }
  const search = options.blasSearch ?? blasCandidates();
  const blas = addon.loadBlas([...(options.blasPaths ?? []), ...search], mode === 'auto' && canBuiltin);
  if (blas.vendor === 'builtin') {
    return { addonPath, blas, builtinWhy: 'no BLAS library found', hint: openblasInstallHint() };
  }
  const builtinCore = builtinCoreName(addon);
  const slower = mode === 'auto' && canBuiltin ? preferBuiltinOver(blas, builtinCore) : '';
  if (!slower || addon.useBuiltinSgemm === undefined)
    return { addonPath, blas, builtinWhy: '', hint: forcedCoreHint(blas, builtinCore) };
  return {
    addonPath,
    blas: addon.useBuiltinSgemm(),
    builtinWhy: `${slower}; \`OPENBLAS_CORETYPE=SkylakeX\` (or Haswell) keeps OpenBLAS`,
    hint: null,
  };
}

const BUILD_HINT = `install a C++ compiler, then run \`${BUILD_COMMAND}\``;

/** The instruction set of the built-in SGEMM this CPU would run, without switching to it. */
function builtinCoreName(addon: NativeAddon): string {
  return addon.builtinSgemmKernel?.() ?? '';
}

/**
 * The BLAS core name, and whether OPENBLAS_CORETYPE picked it: OpenBLAS then skips its CPU detection, which
 * can mean half-speed kernels (e.g. Haswell's AVX2 on an AVX-512 CPU). The setting is the user's and is kept.
 */
export function describeBlasCore(core: string, env: NodeJS.ProcessEnv = process.env): string | null {
  if (!core) return null;
  const forced = env.OPENBLAS_CORETYPE?.trim();
  return forced ? `${core} (forced by OPENBLAS_CORETYPE=${forced})` : core;
}

function statusOf(state: ActiveState): NativeKernelsStatus {
  const builtin = state.blas.vendor === 'builtin';
  const vendor = state.blas.config || state.blas.vendor;
  const core = builtin ? state.blas.core : describeBlasCore(state.blas.core ?? '');
  const gemm = builtin
    ? `the built-in ${core} SGEMM (${state.builtinWhy})`
    : `${vendor}${core?.includes('forced') ? `, ${core}` : ''} (${state.blas.path})`;
  return {
    enabled: true,
    reason: `native kernels (${state.addonKind} addon) on ${gemm}`,
    hint: state.hint,
    addon: state.addonPath,
    addonKind: state.addonKind,
    blas: builtin ? 'builtin' : state.blas.path,
    blasCore: core,
    threads: state.addon.getThreads(),
    kernels: [...state.replaced.keys()],
  };
}

/**
 * Puts native (BLAS) kernels in front of the wasm backend's BatchMatMul, _FusedMatMul, Conv2D, FusedConv2D,
 * Conv2DBackpropInput and Conv2DBackpropFilter, and serves @mmnet/core-tensors' fused Adam update
 * (MmnetAdamUpdate) natively. Call after importing '@tensorflow/tfjs-backend-wasm' (before or
 * after tf.setBackend('wasm')). Never throws for a missing addon or BLAS: the status says why it is off and
 * tfjs keeps its wasm kernels. Set MMNET_NATIVE_KERNELS=off to keep it off.
 */
export function enableNativeKernels(options: NativeKernelsOptions = {}): NativeKernelsStatus {
  if (active !== null) return statusOf(active);
  const names = options.kernels ?? NATIVE_KERNEL_NAMES;
  const unknown = names.filter((name) => !(name in NATIVE_KERNEL_FACTORIES));
  if (unknown.length > 0) {
    throw new Error(
      `enableNativeKernels: unknown kernel(s) ${unknown.join(', ')}; known: ${NATIVE_KERNEL_NAMES}`,
    );
  }
  const threads = resolveThreadCount(options.threads);
  if (process.env.MMNET_NATIVE_KERNELS === 'off')
    return reportOff('disabled by MMNET_NATIVE_KERNELS=off', options);
  if (findBackendFactory(BACKEND) == null) {
    return reportOff(
      "the wasm backend is not registered: import '@tensorflow/tfjs-backend-wasm' first",
      options,
    );
  }
  const loaded = loadNativeAddon(options);
  if (!loaded.ok) return reportOff(loaded.reason, options, `to build the addon: ${BUILD_HINT}`);
  let choice: BlasChoice;
  try {
    // The addon binds its GEMM once per process, so the first choice (and why it was made) is kept.
    choice =
      chosenBlas?.addonPath === loaded.path ? chosenBlas : chooseBlas(loaded.addon, loaded.path, options);
  } catch (error) {
    return reportOff(
      `${(error as Error).message}\n  install one with \`apt-get install libopenblas0-pthread\``,
      options,
      openblasInstallHint(),
    );
  }
  chosenBlas = choice;
  const { blas, builtinWhy, hint } = choice;
  loaded.addon.setThreads(threads);
  const replaced = new Map<string, KernelConfig | undefined>();
  for (const name of names) {
    // An addon built before adamUpdate existed leaves the Adam kernel to @mmnet/core-tensors.
    if (name === ADAM_UPDATE_KERNEL_NAME && loaded.addon.adamUpdate === undefined) continue;
    const original = getKernel(name, BACKEND);
    if (original !== undefined) unregisterKernel(name, BACKEND);
    registerKernel({
      kernelName: name,
      backendName: BACKEND,
      kernelFunc: NATIVE_KERNEL_FACTORIES[name]({ addon: loaded.addon, original }),
      // The replaced kernels' setup still has to run when the wasm backend initializes after this call.
      setupFunc: original?.setupFunc,
      disposeFunc: original?.disposeFunc,
    });
    replaced.set(name, original);
  }
  active = {
    addon: loaded.addon,
    addonPath: loaded.path,
    addonKind: loaded.kind,
    blas,
    builtinWhy,
    hint,
    replaced,
  };
  lastStatus = statusOf(active);
  return lastStatus;
}

/** Puts the wasm backend's own kernels back (and frees the addon's work buffers). */
export function disableNativeKernels(): NativeKernelsStatus {
  if (active === null) return lastStatus;
  for (const [name, original] of active.replaced) {
    unregisterKernel(name, BACKEND);
    if (original !== undefined) registerKernel(original);
  }
  active.addon.releaseScratch();
  active = null;
  lastStatus = off('disabled by disableNativeKernels()');
  return lastStatus;
}

/** The accelerator's current state. */
export function nativeKernelsStatus(): NativeKernelsStatus {
  return active !== null ? statusOf(active) : lastStatus;
}
