import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // ESM library and the `mmnet` command (bin/mmnet.js imports dist/cli.js). Code splitting keeps each model's
    // package in its own chunk, loaded only when that model is used.
    entry: { index: 'src/index.ts', cli: 'src/cli/bin.ts' },
    format: ['esm'],
    splitting: true,
    dts: { entry: { index: 'src/index.ts' } },
    clean: ['!index.cjs', '!index.cjs.map'],
    sourcemap: true,
    target: 'node20',
  },
  {
    entry: { index: 'src/index.ts' },
    format: ['cjs'],
    dts: false,
    clean: false,
    sourcemap: true,
    target: 'node20',
  },
]);
