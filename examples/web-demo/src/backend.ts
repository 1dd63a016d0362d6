import {
  BROWSER_BACKEND_NAMES,
  type BrowserBackendName,
  type BrowserBackendReport,
  initBrowserBackend,
} from '@mmnet/core-tensors';
// tfjs-backend-wasm's binaries, emitted by the bundler next to the page (no CDN).
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/**
 * Starts tfjs: webgl where the browser gives a WebGL context, else wasm, else cpu. `?backend=wasm` (or cpu) in
 * the page's address starts with that one instead.
 */
export function startBackend(search: string): Promise<BrowserBackendReport> {
  const asked = new URLSearchParams(search).get('backend') as BrowserBackendName | null;
  const names: readonly BrowserBackendName[] = BROWSER_BACKEND_NAMES;
  const prefer = asked && names.includes(asked) ? [asked, ...names.filter((b) => b !== asked)] : names;
  return initBrowserBackend({
    prefer,
    wasmPaths: {
      'tfjs-backend-wasm.wasm': wasmPlain,
      'tfjs-backend-wasm-simd.wasm': wasmSimd,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd,
    },
  });
}
