import * as tf from '@tensorflow/tfjs-core';
import { installWasmKernels } from '../kernels/install-wasm-kernels.js';

import { type BackendName, BackendNameSchema } from './backend-name.js';

export { type BackendName, BackendNameSchema } from './backend-name.js';

/** The order tried when nothing is preferred: native TensorFlow, then wasm, then the pure-JS cpu backend. */
export const DEFAULT_BACKEND_ORDER: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

export interface BackendAttempt {
  name: BackendName;
  ok: boolean;
  reason: string;
}

export interface AcceleratorReport {
  /** True when @mmnet/native-kernels replaced wasm kernels by native (BLAS or built-in SGEMM) ones. */
  enabled: boolean;
  /** Which path runs (addon and GEMM) or why it is off, and how to get a faster one when there is: one line. */
  reason: string;
  /** How to get a faster path, when one is possible (also at the end of `reason`). */
  hint?: string;
  /** The kernels it replaced. */
  kernels: string[];
}

export interface BackendReport {
  /** The backend tfjs now runs on. */
  name: BackendName;
  /** On wasm: whether the optional native BLAS kernels are active. */
  accelerator?: AcceleratorReport;
  /** Why it was chosen, one line. */
  reason: string;
  /** Every backend tried, in order, with why it was or was not used. */
  attempts: BackendAttempt[];
}

export interface InitBackendOptions {
  /** One backend or an order of preference; `MMNET_BACKEND` in the environment overrides it. */
  prefer?: BackendName | readonly BackendName[];
  /** Environment to read `MMNET_BACKEND` from (default: process.env). */
  env?: Record<string, string | undefined>;
  /** Where the one-line report goes (default: console.error); pass null for silence. */
  log?: ((line: string) => void) | null;
}

/** Thrown for a backend name that is not one of tensorflow, wasm, cpu. */
export class UnknownBackendError extends Error {
  constructor(source: string, value: string) {
    super(`${source}: unknown backend "${value}" (expected one of ${BackendNameSchema.options.join(', ')})`);
    this.name = 'UnknownBackendError';
  }
}

function parseBackendName(source: string, value: string): BackendName {
  const parsed = BackendNameSchema.safeParse(value.trim().toLowerCase());
  if (!parsed.success) throw new UnknownBackendError(source, value);
  return parsed.data;
}

/** Imports a module by a computed name so bundlers and the type checker leave optional peers alone. */
async function importOptional(name: string): Promise<unknown> {
  return import(/* @vite-ignore */ name);
}

interface NativeKernelsModule {
  enableNativeKernels(options?: { onUnavailable?: (reason: string) => void }): {
    enabled: boolean;
    reason: string;
    /** Absent in versions before it. */
    hint?: string | null;
    threads: number;
    kernels: string[];
  };
}

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, '; ');

/** Turns on @mmnet/native-kernels when it is installed and its addon loads; plain wasm otherwise. */
async function enableAccelerator(env: Record<string, string | undefined>): Promise<AcceleratorReport> {
  if (env.MMNET_NATIVE_KERNELS?.trim().toLowerCase() === 'off') {
    return { enabled: false, reason: 'native kernels off (MMNET_NATIVE_KERNELS=off)', kernels: [] };
  }
  let mod: NativeKernelsModule;
  try {
    mod = (await importOptional('@mmnet/native-kernels')) as NativeKernelsModule;
  } catch {
    return { enabled: false, reason: 'native kernels not installed', kernels: [] };
  }
  const status = mod.enableNativeKernels({ onUnavailable: () => {} });
  const hint = status.hint ? { hint: status.hint } : {};
  const how = status.hint ? `; ${status.hint}` : '';
  return status.enabled
    ? {
        enabled: true,
        reason: `${oneLine(status.reason)}, ${status.threads} threads${how}`,
        ...hint,
        kernels: status.kernels,
      }
    : {
        enabled: false,
        reason: `native kernels off (plain wasm): ${oneLine(status.reason)}${how}`,
        ...hint,
        kernels: [],
      };
}

async function registerTensorflow(): Promise<string> {
  const failures: string[] = [];
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await importOptional(pkg);
      if (tf.findBackendFactory('tensorflow')) return pkg;
      failures.push(`${pkg} loaded but registered no 'tensorflow' backend`);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
        failures.push(`${pkg} not installed`);
      } else {
        const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
        failures.push(`${pkg} not usable (${message})`);
      }
    }
  }
  throw new Error(failures.join('; '));
}

async function registerWasm(): Promise<string> {
  await import('@tensorflow/tfjs-backend-wasm');
  return '@tensorflow/tfjs-backend-wasm';
}

async function registerCpu(): Promise<string> {
  await import('@tensorflow/tfjs-backend-cpu');
  return '@tensorflow/tfjs-backend-cpu';
}

const REGISTRARS: Record<BackendName, () => Promise<string>> = {
  tensorflow: registerTensorflow,
  wasm: registerWasm,
  cpu: registerCpu,
};

const DESCRIPTIONS: Record<BackendName, string> = {
  tensorflow: 'native TensorFlow',
  wasm: 'WebAssembly (XNNPACK) with mmnet fast-gradient ops',
  cpu: 'pure JavaScript (slow; fine for tiny shapes)',
};

let lastReport: BackendReport | undefined;
let loggedFor: string | undefined;

/** Tries one backend; returns why it failed, or undefined when tfjs now runs on it. */
async function tryBackend(name: BackendName): Promise<{ ok: boolean; reason: string }> {
  let source: string;
  try {
    source = await REGISTRARS[name]();
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
  try {
    const ok = await tf.setBackend(name);
    if (!ok) return { ok: false, reason: `${source} failed to initialise` };
    await tf.ready();
    if (name === 'wasm') installWasmKernels();
    return { ok: true, reason: `${DESCRIPTIONS[name]} via ${source}` };
  } catch (error) {
    return { ok: false, reason: `${source} failed to initialise: ${String(error)}` };
  }
}

/**
 * Chooses the tfjs backend: tensorflow (tfjs-node-gpu or tfjs-node, when installed), then wasm, then cpu.
 * `MMNET_BACKEND` overrides the preference. A missing optional backend is not an error; an unknown name is.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendReport> {
  const env = options.env ?? process.env;
  const log = options.log === undefined ? (line: string) => console.error(line) : options.log;
  const fromEnv = env.MMNET_BACKEND?.trim();
  let order: BackendName[];
  let why: string;
  if (fromEnv) {
    order = [parseBackendName('MMNET_BACKEND', fromEnv)];
    why = `MMNET_BACKEND=${fromEnv}`;
  } else if (options.prefer !== undefined) {
    const preferred = (typeof options.prefer === 'string' ? [options.prefer] : [...options.prefer]).map((p) =>
      parseBackendName('prefer', p),
    );
    order = [...preferred, ...DEFAULT_BACKEND_ORDER.filter((b) => !preferred.includes(b))];
    why = `preferred ${preferred.join(', ')}`;
  } else {
    order = [...DEFAULT_BACKEND_ORDER];
    why = 'default order tensorflow > wasm > cpu';
  }

  const attempts: BackendAttempt[] = [];
  for (const name of order) {
    const result = await tryBackend(name);
    attempts.push({ name, ...result });
    if (result.ok) {
      const accelerator = name === 'wasm' ? await enableAccelerator(env) : undefined;
      const skipped = attempts.filter((a) => !a.ok).map((a) => `${a.name}: ${a.reason}`);
      const reason = `${result.reason}${accelerator ? `, ${accelerator.reason}` : ''} (${why}${skipped.length ? `; skipped ${skipped.join('; ')}` : ''})`;
      lastReport = { name, reason, attempts, ...(accelerator ? { accelerator } : {}) };
      const key = `${name}|${why}`;
      if (log && loggedFor !== key) {
        log(`[mmnet] backend: ${name} — ${reason}`);
        loggedFor = key;
      }
      return lastReport;
    }
  }
  throw new Error(
    `no tfjs backend could start (${why}): ${attempts.map((a) => `${a.name}: ${a.reason}`).join('; ')}`,
  );
}

/** The report of the last successful initBackend call, if any. */
export function currentBackend(): BackendReport | undefined {
  return lastReport;
}
