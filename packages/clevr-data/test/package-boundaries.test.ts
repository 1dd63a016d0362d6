import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The synthetic studio sits above this package, and model code (tfjs layers and graph models) lives there. */
const NEVER = ['@mmnet/clevr-synth', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-converter'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('clevr-data depends downward only', () => {
  it('package.json depends on neither clevr-synth nor tfjs-layers/-converter, and has no bin', () => {
    const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    const deps = Object.keys({
      ...manifest.dependencies,
      ...manifest.devDependencies,
      ...manifest.optionalDependencies,
      ...manifest.peerDependencies,
    });
    expect(deps.filter((d) => NEVER.includes(d))).toEqual([]);
    expect(manifest.bin).toBeUndefined();
  });

  it('no source file imports them', () => {
    const files = ['src', 'test', 'bench', 'scripts'].flatMap((d) => sourceFiles(join(pkgDir, d)));
    expect(files.length).toBeGreaterThan(50);
    const offending = files.flatMap((file) => {
      const code = readFileSync(file, 'utf8');
      return NEVER.filter((name) => code.includes(`'${name}`)).map((name) => `${file}: ${name}`);
    });
    // This file names them as strings in NEVER: only import specifiers (quote then name) count.
    expect(offending.filter((line) => !line.includes('package-boundaries.test.ts'))).toEqual([]);
  });
});
