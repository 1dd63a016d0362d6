import * as tf from '@tensorflow/tfjs-core';
import { installWasmKernels } from '../kernels/install-wasm-kernels.js';

/** The backends a web page can run, in the default order of preference: the GPU through WebGL, WebAssembly, plain JavaScript. */
export const BROWSER_BACKEND_NAMES = ['webgl', 'wasm', 'cpu'] as const;
export type BrowserBackendName = (typeof BROWSER_BACKEND_NAMES)[number];

export interface BrowserBackendReport {
  /** The backend tfjs now runs on. */
  name: BrowserBackendName;
  /** Every backend tried, in order, with why it was or was not used. */
  attempts: { name: BrowserBackendName; ok: boolean; reason: string }[];
}

export interface BrowserBackendOptions {
  /** Order of preference (default webgl, wasm, cpu). */
  prefer?: readonly BrowserBackendName[];
  /**
   * Where tfjs-backend-wasm's `.wasm` files are served: a folder URL ending in `/`, or the URL of each file by its
   * name (`tfjs-backend-wasm.wasm`, `tfjs-backend-wasm-simd.wasm`, `tfjs-backend-wasm-threaded-simd.wasm`), so that
   * a page bundles them instead of fetching them from a CDN.
   */
  wasmPaths?: string | Record<string, string>;
  /**
   * Use WebGL even when the browser renders it in software (SwiftShader, llvmpipe: no GPU), where wasm is many
   * times faster (default false: such a WebGL is skipped with that reason).
   */
  allowSoftwareWebgl?: boolean;
}

/** The little of a WebGL context this file reads (core-tensors builds without the DOM types). */
interface GlProbe {
  RENDERER: number;
  getExtension(name: string): { UNMASKED_RENDERER_WEBGL?: number; loseContext?: () => void } | null;
  getParameter(name: number): unknown;
}

/** The WebGL renderer's name when the browser says it renders in software (no GPU), else undefined. */
export function softwareWebglRenderer(): string | undefined {
  const doc = (
    globalThis as { document?: { createElement(tag: 'canvas'): { getContext(kind: string): unknown } } }
  ).document;
  if (!doc) return undefined;
  const gl = (doc.createElement('canvas').getContext('webgl2') ??
    doc.createElement('canvas').getContext('webgl')) as GlProbe | null;
  if (!gl) return undefined;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(info?.UNMASKED_RENDERER_WEBGL ?? gl.RENDERER) ?? '');
  gl.getExtension('WEBGL_lose_context')?.loseContext?.();
  return /swiftshader|llvmpipe|softpipe|software/i.test(renderer) ? renderer : undefined;
}

async function register(name: BrowserBackendName, options: BrowserBackendOptions): Promise<void> {
  if (name === 'webgl') await import('@tensorflow/tfjs-backend-webgl');
  else if (name === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
  else {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (options.wasmPaths !== undefined) wasm.setWasmPaths(options.wasmPaths as string);
  }
}

/**
 * Chooses the tfjs backend in a browser: webgl when the page can get a WebGL context, else wasm, else cpu. A
 * backend that cannot start is recorded with its reason and the next one is tried.
 */
export async function initBrowserBackend(options: BrowserBackendOptions = {}): Promise<BrowserBackendReport> {
  const order = options.prefer ?? BROWSER_BACKEND_NAMES;
  const attempts: BrowserBackendReport['attempts'] = [];
  for (const name of order) {
    const software = name === 'webgl' && !options.allowSoftwareWebgl ? softwareWebglRenderer() : undefined;
    if (software) {
      attempts.push({
        name,
        ok: false,
        reason: `WebGL renders in software here (${software}), slower than wasm`,
      });
      continue;
    }
    try {
      await register(name, options);
      if (!(await tf.setBackend(name))) {
        attempts.push({ name, ok: false, reason: `${name} failed to initialise` });
        continue;
      }
      await tf.ready();
      if (name === 'wasm') installWasmKernels();
      attempts.push({ name, ok: true, reason: `${name} runs` });
      return { name, attempts };
    } catch (error) {
      attempts.push({ name, ok: false, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  throw new Error(`no tfjs backend could start: ${attempts.map((a) => `${a.name}: ${a.reason}`).join('; ')}`);
}
