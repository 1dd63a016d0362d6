import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { writeFileAtomic } from '@mmnet/core-tensors';
import { lineChartPng } from './chart/line-chart.js';
import { CHART_FILES, resultCharts } from './charts.js';
import type { Results } from './results.js';
import { readmeResultsSection, replaceReadmeSection, resultsMarkdown } from './results-table.js';

/**
 * Writes results.json, results.md and the chart PNGs to `resultsDir` (each atomically), removes the charts of
 * groups that have no rows any more (so that no stale chart stays beside the table), and, when `readme` is given,
 * rewrites its section between the results markers (the short table, linking to results.md). results.md links the
 * hand-written `findings.md` of `resultsDir` when there is one. Returns the files written.
 */
export function writeResults(results: Results, resultsDir: string, readme?: string): string[] {
  mkdirSync(resultsDir, { recursive: true });
  const written: string[] = [];
  const put = (file: string, data: string | Uint8Array) => {
    writeFileAtomic(file, data);
    written.push(file);
  };
  put(join(resultsDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  const charts = resultCharts(results);
  for (const c of charts) put(join(resultsDir, c.file), lineChartPng(c.spec));
  const drawn = new Set(charts.map((c) => c.file));
  for (const file of CHART_FILES) if (!drawn.has(file)) rmSync(join(resultsDir, file), { force: true });
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
