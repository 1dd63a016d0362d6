import { fileURLToPath } from 'node:url';
import type { Options } from 'tsup';

const requireEntry = fileURLToPath(new URL('./tsup.require-entry.cjs', import.meta.url));

/**
 * The format-dependent options of a library build. The ES module build is the package; the CommonJS build is
 * tsup.require-entry.cjs, which require()s it (Node 20.19+), so there is one copy of each package and of its state
 * whichever way it is loaded. Its declarations are the same as the ES module's, as `.d.cts` for `require`.
 */
function singleInstance(options: Options): Options {
  return {
    ...options,
    esbuildOptions(esbuild, context) {
      if (context.format === 'cjs') {
        esbuild.entryPoints = { index: requireEntry };
        esbuild.external = [...(esbuild.external ?? []), './index.js'];
      }
      options.esbuildOptions?.(esbuild, context);
    },
  };
}

/**
 * The build of an mmnet library package: an ES module for Node 20 and its CommonJS entry (above), with type
 * declarations (`.d.ts` for import, `.d.cts` for require), dist/ emptied first. No source maps: they were 2-3x
 * the size of the code they map (development runs use src/ directly). A package's tsup.config.ts names its entry
 * (`src/index.ts`, built as dist/index.js) and may override any other option.
 * Build-time only: nothing in a package's dist/ imports this file.
 */
export function libraryBuild(options: Options & Required<Pick<Options, 'entry'>>): Options {
  return singleInstance({
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: false,
    target: 'node20',
    ...options,
  });
}

/**
 * A library that also ships a command (package.json "bin"): the library and the command share chunks, so the
 * command does not carry a second copy of the library.
 */
export function libraryWithCommandBuild(entries: {
  index: string;
  command: Record<string, string>;
  /** Other library entries (e.g. `browser`: the `browser` export condition's file-free subset), with declarations. */
  more?: Record<string, string>;
}): Options {
  return libraryBuild({
    entry: { index: entries.index, ...entries.more, ...entries.command },
    // ES module output splits chunks by default; `splitting: true` would also split the CommonJS entry.
    dts: { entry: { index: entries.index, ...entries.more } },
  });
}

/** The build of an example application: one ESM bundle for Node 20, dist/ emptied first. */
export function applicationBuild(options: Options & Required<Pick<Options, 'entry'>>): Options {
  return { format: ['esm'], clean: true, target: 'node20', ...options };
}
