import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { writeFileAtomic } from '@mmnet/core-tensors';
import { lineChartPng } from './chart-png.js';
import { CHART_FILES, type ChartFile, resultCharts } from './charts.js';
import type { Results } from './results.js';
import { readmeResultsSection, replaceReadmeSection, resultsMarkdown } from './results-table.js';

/**
 * Writes the chart PNGs of `results` to `resultsDir` (each atomically) and removes the charts of groups that have no
 * rows any more, so that no stale chart stays beside the table. Returns the charts and the files written.
 */
export async function writeCharts(
  results: Results,
  resultsDir: string,
): Promise<{ charts: ChartFile[]; written: string[] }> {
  mkdirSync(resultsDir, { recursive: true });
  const charts = resultCharts(results);
  const written: string[] = [];
  for (const c of charts) {
    const file = join(resultsDir, c.file);
    writeFileAtomic(file, await lineChartPng(c.spec));
    written.push(file);
  }
  const drawn = new Set(charts.map((c) => c.file));
  for (const file of CHART_FILES) if (!drawn.has(file)) rmSync(join(resultsDir, file), { force: true });
  return { charts, written };
}

/**
 * Writes results.json, results.md and the chart PNGs to `resultsDir` (each atomically; see `writeCharts`), and,
 * when `readme` is given, rewrites its section between the results markers (the short table, linking to
 * results.md). results.md links the hand-written `findings.md` of `resultsDir` when there is one. Returns the
 * files written.
 */
export async function writeResults(results: Results, resultsDir: string, readme?: string): Promise<string[]> {
  mkdirSync(resultsDir, { recursive: true });
  const written: string[] = [];
  const put = (file: string, data: string | Uint8Array) => {
    writeFileAtomic(file, data);
    written.push(file);
  };
  put(join(resultsDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  const { charts, written: chartFiles } = await writeCharts(results, resultsDir);
  written.push(...chartFiles);
  put(
    join(resultsDir, 'results.md'),
    resultsMarkdown(
      results,
      charts.map((c) => ({ title: c.title, path: c.file })),
      existsSync(join(resultsDir, 'findings.md')) ? 'findings.md' : undefined,
    ),
  );
  if (readme) {
    if (!existsSync(readme)) throw new Error(`--readme ${readme}: no such file`);
    const rel = relative(dirname(readme), resultsDir) || '.';
    const section = readmeResultsSection(results, `${rel}/results.md`);
    writeFileAtomic(readme, replaceReadmeSection(readFileSync(readme, 'utf8'), section, readme));
    written.push(readme);
  }
  return written;
}
