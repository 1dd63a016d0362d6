import { defineConfig } from 'tsup';
import { libraryWithCommandBuild } from '../../tsup.shared';

// The `mmnet-data` bin (package.json "bin" -> dist/cli.js; src/cli/main.ts starts with its #! line).
export default defineConfig(
  libraryWithCommandBuild({
    index: 'src/index.ts',
    more: { browser: 'src/browser.ts' },
    command: { cli: 'src/cli/main.ts' },
  }),
);
