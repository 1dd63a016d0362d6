import type { Options } from 'tsup';

/**
 * The build of an mmnet library package: ESM and CommonJS output for Node 20 with type declarations (`.d.ts` for
 * import, `.d.cts` for require), dist/ emptied first. No source maps: they would point at src/, which is not
 * published, and were 2-3x the size of the code they map (development runs use src/ directly). A package's
 * tsup.config.ts names its entries and may override any other option.
 * Build-time only: nothing in a package's dist/ imports this file.
 */
export function libraryBuild(options: Options & Required<Pick<Options, 'entry'>>): Options {
  return {
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: false,
    target: 'node20',
    ...options,
  };
}

/**
 * A library that also ships a command (package.json "bin"): ESM builds of the library and the command that share
 * chunks, so the command does not carry a second copy of the library, and a CommonJS build of the library alone.
 */
export function libraryWithCommandBuild(entries: {
  index: string;
  command: Record<string, string>;
}): Options[] {
  const index = { index: entries.index };
  return [
    {
      format: ['esm'],
      entry: { ...index, ...entries.command },
      splitting: true,
      dts: { entry: index },
      // The CommonJS build below runs in parallel: keep its output when cleaning.
      clean: ['!index.cjs', '!index.d.cts'],
      sourcemap: false,
      target: 'node20',
    },
    {
      format: ['cjs'],
      entry: index,
      dts: { entry: index },
      clean: false,
      sourcemap: false,
      target: 'node20',
    },
  ];
}

/** The build of an example application: one ESM bundle for Node 20, dist/ emptied first. */
export function applicationBuild(options: Options & Required<Pick<Options, 'entry'>>): Options {
  return { format: ['esm'], clean: true, target: 'node20', ...options };
}
