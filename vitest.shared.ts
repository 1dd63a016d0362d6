import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));

/** Resolves every `@mmnet/<name>` import to the package's TypeScript source, so tests never need a build. */
export const mmnetAliases: Record<string, string> = Object.fromEntries(
  readdirSync(join(root, 'packages')).map((name) => [
    `@mmnet/${name}`,
    join(root, 'packages', name, 'src', 'index.ts'),
  ]),
);

export const sharedTestConfig = {
  resolve: { alias: mmnetAliases },
  test: {
    // A guard against hangs, not a speed check (benchmarks measure speed): tests that train for real ran past
    // 120 s when the 2-core machines also ran two training runs.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks' as const,
  },
};
