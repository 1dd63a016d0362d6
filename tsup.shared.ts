import type { Options } from 'tsup';

/**
 * The build of an mmnet library package: ESM and CommonJS output for Node 20 with type declarations and source
 * maps, dist/ emptied first. A package's tsup.config.ts names its entries and may override any other option.
 * Build-time only: nothing in a package's dist/ imports this file.
 */
export function libraryBuild(options: Options & Required<Pick<Options, 'entry'>>): Options {
  return {
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    ...options,
  };
}

/** The build of an example application: one ESM bundle for Node 20, dist/ emptied first. */
export function applicationBuild(options: Options & Required<Pick<Options, 'entry'>>): Options {
  return { format: ['esm'], clean: true, target: 'node20', ...options };
}
