import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    // The cli build below runs in parallel: keep its output when cleaning.
    clean: ['!cli.js', '!cli.js.map'],
    sourcemap: true,
    target: 'node20',
  },
  {
    // The `mmnet-data` bin (package.json "bin" -> dist/cli.js).
    entry: { cli: 'src/cli/main.ts' },
    format: ['esm'],
    // One file: commands are imported lazily inside it, and no chunk can be removed by the clean above.
    splitting: false,
    dts: false,
    clean: false,
    sourcemap: true,
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
  },
]);
