import {
  findBackendFactory,
  getKernel,
  type KernelConfig,
  registerKernel,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import { type LoadedBlas, loadNativeAddon, type NativeAddon } from '../addon/native-addon';
import { blasCandidates } from '../blas/blas-candidates';
import { ADAM_UPDATE_KERNEL_NAME } from '../kernels/adam-update';
import { resolveThreadCount } from '../threads/thread-count';
import { NATIVE_KERNEL_FACTORIES, NATIVE_KERNEL_NAMES } from './native-kernel-set';

const BACKEND = 'wasm';

export interface NativeKernelsOptions {
  /** BLAS threads; default `MMNET_THREADS`, else every core. */
  threads?: number;
  /** Library paths tried before the defaults (OpenBLAS pthread, BLIS, MKL). */
  blasPaths?: string[];
  /** Path of the compiled addon; default `MMNET_NATIVE_KERNELS_ADDON`, else the package's build folder. */
  addonPath?: string;
  /** Only these kernels (tfjs-core names); default all of NATIVE_KERNEL_NAMES. */
  kernels?: string[];
  /** Called once per distinct reason when the accelerator stays off; default console.warn. */
  onUnavailable?: (reason: string) => void;
}

export interface NativeKernelsStatus {
  enabled: boolean;
  /** Why it is off, or which library serves it when on. */
  reason: string;
  /** Path of the BLAS library in use, or null. */
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
  blas: LoadedBlas;
  /** Kernel name -> the wasm kernel it replaced (undefined when wasm had none). */
  replaced: Map<string, KernelConfig | undefined>;
}

let active: ActiveState | null = null;
let lastStatus: NativeKernelsStatus = off('not enabled');
const reported = new Set<string>();

function off(reason: string): NativeKernelsStatus {
  return { enabled: false, reason, blas: null, blasCore: null, threads: 0, kernels: [] };
}

function reportOff(reason: string, options: NativeKernelsOptions): NativeKernelsStatus {
  if (!reported.has(reason)) {
    reported.add(reason);
    (options.onUnavailable ?? ((r: string) => console.warn(`@mmnet/native-kernels is off: ${r}`)))(reason);
  }
  lastStatus = off(reason);
  return lastStatus;
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
  const vendor = state.blas.config || state.blas.vendor;
  const core = describeBlasCore(state.blas.core ?? '');
  return {
    enabled: true,
    reason: `native kernels via ${vendor}${core?.includes('forced') ? `, ${core}` : ''} (${state.blas.path})`,
    blas: state.blas.path,
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
  const loaded = loadNativeAddon(options.addonPath);
  if (!loaded.ok) return reportOff(loaded.reason, options);
  let blas: LoadedBlas;
  try {
    blas = loaded.addon.loadBlas([...(options.blasPaths ?? []), ...blasCandidates()]);
  } catch (error) {
    return reportOff(
      `${(error as Error).message}\n  install one with \`apt-get install libopenblas0-pthread\``,
      options,
    );
  }
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
  active = { addon: loaded.addon, blas, replaced };
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
