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
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks' as const,
  },
};
