import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tsup.shared';

export default defineConfig(
  libraryBuild({
    entry: ['src/index.ts'],
    // import.meta.url (used to find the compiled addon next to the package) in the CommonJS build too.
    shims: true,
  }),
);
