import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tsup.shared';

// The `mmnet-data` bin that runs this package's commands is @mmnet/clevr-synth's (src/cli/main.ts there).
export default defineConfig(libraryBuild({ entry: ['src/index.ts', 'src/browser.ts'] }));
