import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Spec } from 'vega';
import type { TopLevelSpec } from 'vega-lite';

let libraries: Promise<[typeof import('vega'), typeof import('vega-lite')]> | undefined;

/** Vega and Vega-Lite, loaded on first use (about 0.8 s of CPU): commands that draw no chart do not pay for them. */
function chartLibraries(): Promise<[typeof import('vega'), typeof import('vega-lite')]> {
  libraries ??= Promise.all([import('vega'), import('vega-lite')]);
  return libraries;
}

/** A Vega-Lite spec compiled to the Vega spec that the Vega runtime draws (in Node or in a browser). */
export async function compileChart(spec: TopLevelSpec): Promise<Spec> {
  const [, { compile }] = await chartLibraries();
  return compile(spec).spec;
}

/** A chart as a standalone SVG document, drawn by Vega without a browser; text is in the generic `sans-serif`. */
export async function chartSvg(spec: TopLevelSpec): Promise<string> {
  const [vega] = await chartLibraries();
  const view = new vega.View(vega.parse(await compileChart(spec)), {
    renderer: 'none',
    logLevel: vega.Error,
  });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

let runtime: string | undefined;

/**
 * The Vega runtime for a browser (the minified bundle shipped in the vega package, about 0.5 MB), so that a
 * page can draw interactive charts offline. `</script` cannot occur in it, so it can be inlined in a script element.
 */
export function vegaRuntime(): string {
  if (runtime === undefined) {
    // The package exports only its ES module; the browser bundle is beside it in build/.
    const entry = createRequire(import.meta.url).resolve('vega');
    const text = readFileSync(join(dirname(entry), 'vega.min.js'), 'utf8');
    if (/<\/script/i.test(text)) throw new Error(`${entry}: vega.min.js contains "</script"`);
    runtime = text;
  }
  return runtime;
}
