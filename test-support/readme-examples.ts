import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Marks the ```ts block right below it as not run by the tests, with the reason. */
export const SKIP_MARKER = /^<!-- readme-example: skip \((.+)\) -->$/;

export interface ReadmeExample {
  /** Line of the opening fence (1-based). */
  line: number;
  code: string;
  /** Why the tests do not run it (the marker's reason), or null. */
  skip: string | null;
}

/** The ```ts blocks of a README, each with the reason of a skip marker on the line above it (blank lines between allowed). */
export function readmeExamples(markdown: string): ReadmeExample[] {
  const lines = markdown.split('\n');
  const examples: ReadmeExample[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```ts') continue;
    const end = lines.findIndex((l, j) => j > i && l.trim() === '```');
    if (end < 0) throw new Error(`README line ${i + 1}: a \`\`\`ts block without its closing fence`);
    let above = i - 1;
    while (above >= 0 && lines[above].trim() === '') above--;
    const marker = above >= 0 ? SKIP_MARKER.exec(lines[above].trim()) : null;
    examples.push({ line: i + 1, code: lines.slice(i + 1, end).join('\n'), skip: marker ? marker[1] : null });
    i = end;
  }
  return examples;
}

/**
 * One test per TypeScript example of the package's README: the example runs as a module of the test process
 * (so `@mmnet/*` imports resolve to the sources, as in every test) with a fresh temporary folder as the working
 * directory, and passes when it finishes without throwing. Marked examples are listed as skipped.
 */
export function describeReadmeExamples(packageDir: string): void {
  const readme = join(packageDir, 'README.md');
  const examples = readmeExamples(readFileSync(readme, 'utf8'));
  describe(`${readme} examples`, () => {
    it('has at least one', () => {
      expect(examples.length).toBeGreaterThan(0);
    });
    for (const example of examples) {
      const title = `the example at line ${example.line} runs`;
      if (example.skip) {
        it.skip(`${title} (skipped: ${example.skip})`, () => {});
        continue;
      }
      it(title, async () => {
        const dir = mkdtempSync(join(tmpdir(), 'mmnet-readme-'));
        const cwd = process.cwd();
        try {
          mkdirSync(dir, { recursive: true });
          const file = join(dir, `example-line-${example.line}.ts`);
          writeFileSync(file, `${example.code}\nexport {};\n`);
          process.chdir(dir);
          await import(file);
        } finally {
          process.chdir(cwd);
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  });
}
