import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tsup.shared';

export default defineConfig([
  libraryBuild({
    entry: ['src/index.ts'],
    // The cli build below runs in parallel: keep its output when cleaning.
    clean: ['!cli.js', '!cli.js.map'],
  }),
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
