import { defineConfig } from 'vite';

// A static site: relative asset paths (it works from any folder of a static file server, or offline), the model
// and images from public/ copied as they are, tfjs-backend-wasm's .wasm files emitted as assets by src/backend.ts.
export default defineConfig({
  base: './',
  build: { outDir: 'dist', target: 'es2022', chunkSizeWarningLimit: 4096, reportCompressedSize: false },
});
