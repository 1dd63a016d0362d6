import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

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
 * Writes the examples as modules in the package's `node_modules/.cache/mmnet-readme-examples/` (so that their
 * imports resolve as in a project depending on the package) and returns their paths.
 */
function writeExampleModules(packageDir: string, examples: readonly ReadmeExample[]): string[] {
  const dir = join(packageDir, 'node_modules', '.cache', 'mmnet-readme-examples');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return examples.map((example) => {
    const file = join(dir, `line-${example.line}.ts`);
    writeFileSync(file, `${example.code}\nexport {};\n`);
    return file;
  });
}

/** The type errors of TypeScript files with the repository's compiler options (`@mmnet/*` -> sources). */
export function typeErrors(files: readonly string[]): string[] {
  const config = ts.readConfigFile(join(repoRoot, 'tsconfig.base.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, repoRoot);
  const program = ts.createProgram(files, { ...options, noEmit: true });
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file && files.includes(d.file.fileName))
    .map((d) => {
      const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
      return `${d.file!.fileName}:${line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
    });
}

/**
 * Tests of the TypeScript examples of the package's README: together they type-check with the repository's
 * compiler options, and each runs as a module of the test process (so `@mmnet/*` imports resolve to the sources,
 * as in every test) with a fresh temporary folder as the working directory, passing when it finishes without
 * throwing. Marked examples are listed as skipped.
 */
export function describeReadmeExamples(packageDir: string): void {
  const readme = join(packageDir, 'README.md');
  const examples = readmeExamples(readFileSync(readme, 'utf8'));
  const runnable = examples.filter((e) => !e.skip);
  describe(`${readme} examples`, () => {
    it('has at least one', () => {
      expect(examples.length).toBeGreaterThan(0);
    });
    let files: string[] = [];
    beforeAll(() => {
      files = writeExampleModules(packageDir, runnable);
    });
    it('type-check', () => {
      expect(typeErrors(files)).toEqual([]);
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
          process.chdir(dir);
          await import(files[runnable.indexOf(example)]);
        } finally {
          process.chdir(cwd);
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  });
}
