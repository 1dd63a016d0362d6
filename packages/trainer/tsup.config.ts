import { defineConfig } from 'tsup';
import { libraryWithCommandBuild } from '../../tsup.shared';

// The `mmnet` command: bin/mmnet.js imports dist/cli.js. Code splitting also keeps each model's package in its own
// chunk, loaded only when that model is used.
export default defineConfig(
  libraryWithCommandBuild({
    index: 'src/index.ts',
    more: { browser: 'src/browser.ts' },
    command: { cli: 'src/cli/bin.ts' },
  }),
);
