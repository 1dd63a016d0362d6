import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePng } from '@mmnet/clevr-data';
import { builtinExtractorName } from '@mmnet/clevr-synth';
import { stageBudgetMinutes } from '@mmnet/trainer';
import { describe, expect, it } from 'vitest';
import { aimStatuses, aimsMarkdown, limitOf, seedSpreads } from '../src/aims.js';
import { CHART_SCALE, lineChartPng } from '../src/chart-png.js';
import { resultCharts } from '../src/charts.js';
import { gitCodeVersion } from '../src/code-version.js';
import {
  datasetMismatch,
  earlierFeatureRowsFor,
  mergeWithEarlierRows,
  readEarlierResults,
  rowsOnEarlierFeatures,
  tableBudgetOverride,
} from '../src/earlier-rows.js';
import { readExperimentRecord, writeExperimentRecord } from '../src/experiment-record.js';
import { accuracyByFamily, familyNames, tallyByTemplate } from '../src/families.js';
import { experimentOptionsSchema } from '../src/options.js';
import {
  ABLATION_BASE,
  CLEVR_IEP_HOURS,
  DEFAULT_HOURS,
  experimentPlan,
  SAN_HOURS,
  STACK_HOURS,
  selectExperiments,
} from '../src/plan.js';
import { parseResults, type ResultRow, type Results } from '../src/results.js';
import {
  README_END,
  README_START,
  readmeResultsSection,
  replaceReadmeSection,
  resultsSection,
  resultsTable,
} from '../src/results-table.js';
import { experimentTrained, stageStateFile, startCheckpointFlags } from '../src/run-experiment.js';
import { readEvaluation, runExperiments, workToDo } from '../src/run-experiments.js';
import { questionsSeen } from '../src/run-progress.js';
import { writeStageState } from '../src/stage-state.js';
import { writeResults } from '../src/write-results.js';

const families = familyNames();
const perFamily = (v: number) => Object.fromEntries(families.map((f) => [f, v]));

function row(id: string, overrides: Partial<ResultRow> = {}): ResultRow {
  return {
    id,
    group: 'baselines',
    label: id,
    model: id,
    accuracy: 0.5,
    perFamily: perFamily(0.5),
    programExactMatch: null,
    evaluatedQuestions: 5000,
    checkpoint: `runs/${id}/train/checkpoints/step-0000500.safetensors`,
    trainingMinutes: 95,
    budgetHours: 2,
    questionsSeen: 123456,
    questionsPerSecond: 21.66,
    backend: 'wasm',
    steps: 500,
    completed: true,
    seed: 0,
    command: `pnpm experiments --only ${id} --seed 0`,
    curve: [
      { questions: 1000, accuracy: 0.4 },
      { questions: 2000, accuracy: 0.45 },
    ],
    ...overrides,
  };
}

function results(rows: ResultRow[]): Results {
  return parseResults(
    JSON.stringify({
      format: 'mmnet-experiments',
      version: 2,
      updated: '2026-01-01T00:00:00.000Z',
      smoke: false,
      dataset: {
        preset: 'clevr-small',
        description: 'synthetic',
        seed: 7,
        questions: { train: 40000, val: 5000, test: 5000 },
        finalSplit: 'test',
        validationQuestions: 1000,
        evaluatedQuestions: 5000,
      },
      hoursPerModel: null,
      seed: 0,
      command: 'pnpm experiments --seed 0',
      prior: { accuracy: 0.417, perFamily: { ...perFamily(0.4), zero_hop: null }, valAccuracy: 0.424 },
      families,
      rows,
    }),
    'results.json',
  );
}

describe('results table and README section', () => {
  const r = results([
    row('SAN', { valAccuracy: 0.5234 }),
    row('weak-1pct-hard', {
      group: 'weak supervision',
      label: 'PG_endtoend hard, programs of 1 %',
      model: 'PG_endtoend',
      decoderMode: 'hard',
      supervisionFraction: 0.01,
      accuracy: 0.61234,
      programExactMatch: 0.25,
      completed: false,
      commit: 'abc1234',
    }),
  ]);

  it('has the prior row, one row per model, the 9 families and the other columns', () => {
    const lines = resultsTable(r).split('\n');
    expect(lines).toHaveLength(2 + 1 + 2);
    expect(families).toHaveLength(9);
    expect(lines[0]).toBe(
      `| model | test accuracy | val accuracy | ${families.join(' | ')} | program exact match | budget | training time | questions seen | questions/s | backend |`,
    );
    expect(lines[2]).toBe(
      `| answer-type prior | 41.7 | 42.4 | ${'40.0 | '.repeat(8)}– | – | – | – | – | – | – |`,
    );
    expect(lines[3]).toBe(
      `| SAN | **50.0** | 52.3 | ${'50.0 | '.repeat(9)}– | 2 h | 1.6 h | 123,456 | 21.7 | wasm |`,
    );
    // A row evaluated before the val column existed shows none.
    expect(lines[4]).toMatch(
      /^\| PG_endtoend hard, programs of 1 % ⏱ \| \*\*61\.2\*\* \| – \|.* \| 25\.0 \| 2 h \| 1\.6 h \|/,
    );
  });

  it('gives the dataset size, seed and the command of each row', () => {
    const text = resultsSection(r, [{ title: 'Weak supervision', path: 'results/weak-supervision.png' }]);
    expect(text).toContain('40,000 train / 5,000 val / 5,000 test questions');
    expect(text).toContain('generator seed 7');
    expect(resultsSection({ ...r, dataset: { ...r.dataset, extractor: 'builtin-v1-x' } }, [])).toContain(
      'generator seed 7; features by builtin-v1-x)',
    );
    expect(text).toContain('![Weak supervision](results/weak-supervision.png)');
    expect(text).toContain('| row | seed | steps | code | command |');
    expect(text).toContain(
      '| weak-1pct-hard | 0 | 500 | abc1234 | `pnpm experiments --only weak-1pct-hard --seed 0` |',
    );
    expect(text).toContain('| SAN | 0 | 500 | – | `pnpm experiments --only SAN --seed 0` |');
    expect(text).toContain(
      "All rows, each with the plan's budget: `pnpm experiments --seed 0`; each row as it",
    );
    const overridden = resultsSection(
      { ...r, hoursPerModel: 2, command: 'pnpm experiments --hours-per-model 2' },
      [],
    );
    expect(overridden).toContain('All rows: `pnpm experiments --hours-per-model 2`.');
  });

  it('states each aim with the measured figures, and what limits a row that misses it', () => {
    const curve = [
      { questions: 1000, accuracy: 0.5 },
      { questions: 2000, accuracy: 0.6 },
      { questions: 3000, accuracy: 0.7 },
    ];
    const aims = aimStatuses(
      results([
        row('SAN', { model: 'SAN', accuracy: 0.55 }),
        row('PG_attention', { model: 'PG', label: 'PG attention', accuracy: 0.93 }),
        row('PG_memory', {
          model: 'PG_memory',
          label: 'PG_memory',
          accuracy: 0.7,
          curve,
          questionsSeen: 80000,
        }),
        row('weak', { model: 'PG_endtoend', supervisionFraction: 0.1, accuracy: 0.45 }),
      ]),
    );
    expect(aims.map((a) => a.reached)).toEqual([true, false, false, true, null, null, null, false]);
    expect(aims.map((a) => a.partly)).toEqual([false, false, false, ...Array(5).fill(undefined)]);
    // PG with two kinds of modules, one reaching 90 % and one not: reached by some of its rows.
    const mixed = results([
      row('PG', { model: 'PG', label: 'PG residual', accuracy: 0.47 }),
      row('PG_attention', { model: 'PG', label: 'PG attention', accuracy: 0.93 }),
    ]);
    expect(aimStatuses(mixed)[0]).toMatchObject({ reached: false, partly: true });
    expect(aimsMarkdown(mixed)).toContain(
      '- PG (ground-truth programs) at least 90 %: **reached by some of its rows, not by all** — PG residual: 47.0 %',
    );
    expect(aims[1].detail).toBe(
      'PG_memory: 70.0 % (trained 1.6 h (budget 2 h, at most 8 allowed) on 80,000 questions (2.0 epochs) at 22 questions/s; val curve still rising (best 50.0 % in the first half of those questions, 70.0 % in the second): a longer budget is the next lever)',
    );
    expect(aims[3].detail).toBe('SAN 55.0 %; best module network PG attention 93.0 %');
    const flat = [0.5, 0.53, 0.52, 0.525].map((accuracy, i) => ({ questions: (i + 1) * 1000, accuracy }));
    expect(limitOf(row('SAN', { curve: flat }), 40000)).toContain(
      'val curve flat (best 53.0 % in the first half of those questions, 52.5 % in the second)',
    );
    expect(aims[7].aim).toContain('41.7 %');
    expect(aims[7].detail).toContain('not: weak 45.0 %');
    // Ablation rows (variants of a row) count for no aim.
    const withAblation = results([
      row('PG_attention', { model: 'PG', label: 'PG attention', accuracy: 0.93 }),
      row('PG_attention-without-coordinates', { model: 'PG', group: 'ablations', accuracy: 0.45 }),
    ]);
    expect(aimStatuses(withAblation)[0]).toMatchObject({ reached: true, detail: 'PG attention: 93.0 %' });
    expect(aimStatuses(withAblation)[7].reached).toBe(true);
    // Rows not trained yet leave their aims pending.
    expect(aimStatuses(results([row('SAN', { model: 'SAN', accuracy: 0.6 })])).map((a) => a.reached)).toEqual(
      [null, null, null, null, null, null, null, true],
    );
    expect(resultsSection(r, [])).toContain('## Aims (on the test split)');
  });

  it('gives the median, range and stuck runs of the seeds of an experiment, and its aim on the median', () => {
    const stack = (id: string, accuracy: number, seedOf?: string) =>
      row(id, {
        model: 'PG_endtoend',
        group: 'end-to-end',
        label: 'stack',
        accuracy,
        ...(seedOf ? { seedOf } : {}),
      });
    const three = results([
      stack('PG_endtoend-stack', 0.83),
      stack('PG_endtoend-stack-seed1', 0.45, 'PG_endtoend-stack'),
      stack('PG_endtoend-stack-seed2', 0.81, 'PG_endtoend-stack'),
      row('weak-1pct-stack', { model: 'PG_endtoend', supervisionFraction: 0.01, accuracy: 0.848 }),
      row('weak-10pct-stack', { model: 'PG_endtoend', supervisionFraction: 0.1, accuracy: 0.928 }),
    ]);
    expect(seedSpreads(three)).toEqual([
      {
        id: 'PG_endtoend-stack',
        label: 'stack',
        accuracies: [0.83, 0.45, 0.81],
        median: 0.81,
        min: 0.45,
        max: 0.83,
        stuck: 1,
      },
    ]);
    const aims = aimStatuses(three);
    expect(aims[4]).toMatchObject({
      reached: true,
      detail: 'median 81.0 % of 3 seeds (83.0 %, 45.0 %, 81.0 %), 1 within 10 points of the prior',
    });
    expect(aims.slice(5, 7).map((a) => a.reached)).toEqual([false, true]);
    expect(aims[5].detail).toContain('weak-1pct-stack: 84.8 % (trained');
    // An even number of seeds: the mean of the middle two, and the limit of the first seed's row when not reached.
    const two = results([
      stack('PG_endtoend-stack', 0.5),
      stack('PG_endtoend-stack-seed1', 0.44, 'PG_endtoend-stack'),
    ]);
    expect(seedSpreads(two)[0]).toMatchObject({ median: 0.47, stuck: 2 });
    expect(aimStatuses(two)[4].reached).toBe(false);
    expect(aimStatuses(two)[4].detail).toContain('2 within 10 points of the prior; stack: trained');
    const page = resultsSection(three, []);
    expect(page).toContain('## Seeds');
    expect(page).toContain('| stack | 3 | 83.0, 45.0, 81.0 | **81.0** | 45.0–83.0 | 1 |');
    // Without other seeds there is no seeds section.
    expect(resultsSection(results([stack('PG_endtoend-stack', 0.5)]), [])).not.toContain('## Seeds');
  });

  it('gives the README a short table linking to the full page', () => {
    const text = readmeResultsSection(r, 'results/results.md');
    const lines = text.split('\n');
    expect(lines).toContain('| model | test accuracy | program exact match | budget |');
    expect(lines).toContain('| answer-type prior | 41.7 | – | – |');
    expect(lines).toContain('| SAN | **50.0** | – | 2 h |');
    expect(lines).toContain('| PG_endtoend hard, programs of 1 % | **61.2** | 25.0 | 2 h |');
    expect(text).toContain('[results/results.md](results/results.md)');
    // The rest (families, aims, charts, commands) stays on the full page.
    expect(text).not.toMatch(/Aims|zero_hop|!\[|pnpm experiments --only/);
    expect(lines.length).toBeLessThan(12);
  });

  it('rewrites only the text between the README markers', () => {
    const readme = `# Title\n\nintro\n${README_START}\nold table\n${README_END}\n\nafter\n`;
    const out = replaceReadmeSection(readme, 'NEW', 'README.md');
    expect(out).toBe(`# Title\n\nintro\n${README_START}\nNEW\n${README_END}\n\nafter\n`);
    expect(replaceReadmeSection(out, 'NEW', 'README.md')).toBe(out);
    expect(() => replaceReadmeSection('# no markers', 'x', 'R.md')).toThrow(/R\.md: needs the markers/);
  });

  it('refuses a results file with a bad field, naming it', () => {
    expect(() => parseResults('{"format":"mmnet-experiments"}', 'r.json')).toThrow(/^r\.json: version:/);
  });
});

describe('rows of an earlier results file', () => {
  const earlier = results([
    row('SAN', { accuracy: 0.51 }),
    row('PG_memory', { accuracy: 0.78 }),
    row('gone'),
  ]);

  it('keeps the earlier rows of experiments not measured now, in plan order, and drops ids left out of the plan', () => {
    const merged = mergeWithEarlierRows(
      ['SAN', 'PG_attention', 'PG_memory'],
      [row('PG_memory', { accuracy: 0.86 })],
      earlier.rows,
    );
    expect(merged.map((r) => [r.id, r.accuracy])).toEqual([
      ['SAN', 0.51],
      ['PG_memory', 0.86],
    ]);
    expect(mergeWithEarlierRows(['SAN'], [], [])).toEqual([]);
    expect(tableBudgetOverride(merged, 2)).toBe(2);
    expect(tableBudgetOverride([...merged, row('PG', { budgetHours: 1 })], 2)).toBeNull();
    expect(tableBudgetOverride(merged, undefined)).toBeNull();
  });

  it('keeps them only for the same dataset, split and number of evaluated questions', () => {
    expect(datasetMismatch(earlier, earlier.dataset, false)).toBeUndefined();
    expect(datasetMismatch(earlier, earlier.dataset, true)).toMatch(/a real run's/);
    expect(datasetMismatch(earlier, { ...earlier.dataset, seed: 8 }, false)).toMatch(
      /seed 7, not clevr-small seed 8/,
    );
    const withExtractor = { ...earlier.dataset, extractor: 'builtin-v2-abc' };
    expect(datasetMismatch(earlier, withExtractor, false)).toBeUndefined(); // written before extractors were recorded
    expect(
      datasetMismatch(
        { ...earlier, dataset: { ...withExtractor, extractor: 'builtin-v1-def' } },
        withExtractor,
        false,
      ),
    ).toMatch(/features are by builtin-v1-def, not builtin-v2-abc/);
    expect(datasetMismatch(earlier, { ...earlier.dataset, evaluatedQuestions: 100 }, false)).toMatch(
      /5000 test questions, not 100 test/,
    );
  });

  it('lists the experiments with a row in results.json but no run folder here as such', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmnet-list-'));
    try {
      writeFileSync(join(dir, 'results.json'), JSON.stringify(earlier));
      const out: string[] = [];
      const io = { out: (l: string) => out.push(l), err: () => {}, progressStream: process.stderr };
      const argv = ['--list', '--runs-dir', join(dir, 'runs'), '--results-dir', dir];
      expect(await runExperiments(argv, io, { repoDir: dir, packageDir: dir })).toBe(0);
      expect(out.find((l) => l.startsWith('SAN '))).toMatch(/in results\.json, to train here/);
      expect(out.find((l) => l.startsWith('PG_attention '))).toMatch(/^PG_attention +to train +1 h/);
      // Rows measured on the features of the current weights are kept; of other weights, not.
      const measuredOn = (extractor: string) =>
        writeFileSync(
          join(dir, 'results.json'),
          JSON.stringify({ ...earlier, dataset: { ...earlier.dataset, extractor } }),
        );
      measuredOn(builtinExtractorName());
      out.length = 0;
      expect(await runExperiments(argv, io, { repoDir: dir, packageDir: dir })).toBe(0);
      expect(out.find((l) => l.startsWith('SAN '))).toMatch(/in results\.json, to train here/);
      measuredOn('builtin-v1-00000000');
      out.length = 0;
      expect(await runExperiments(argv, io, { repoDir: dir, packageDir: dir })).toBe(0);
      expect(out[0]).toBe(
        `results.json's rows were measured on features by builtin-v1-00000000, not by the current weights (${builtinExtractorName()}): they will be kept apart from the table, as rows to retrain`,
      );
      expect(out.find((l) => l.startsWith('SAN '))).toMatch(/^SAN +on earlier features, to train +3 h/);
      expect(out.find((l) => l.startsWith('PG_attention '))).toMatch(/^PG_attention +to train +1 h/);
      writeFileSync(join(dir, 'results.json'), '{');
      await expect(runExperiments(argv, io, { repoDir: dir, packageDir: dir })).rejects.toThrow(
        /results\.json: not valid JSON/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--preset clevr-medium lists its own runs and results; with --smoke it is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmnet-preset-'));
    try {
      const out: string[] = [];
      const err: string[] = [];
      const io = {
        out: (l: string) => out.push(l),
        err: (l: string) => err.push(l),
        progressStream: process.stderr,
      };
      const options = { repoDir: dir, packageDir: dir };
      // A clevr-small results.json in the default place is not the medium runs' results.
      mkdirSync(join(dir, 'results'));
      writeFileSync(join(dir, 'results', 'results.json'), JSON.stringify(earlier));
      expect(await runExperiments(['--list', '--preset', 'clevr-medium'], io, options)).toBe(0);
      expect(out.find((l) => l.startsWith('SAN '))).toMatch(/^SAN +to train/);
      expect(await runExperiments(['--smoke', '--preset', 'clevr-medium'], io, options)).toBe(2);
      expect(err).toEqual(['experiments: --preset: --smoke always runs on clevr-micro']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the rows measured on features of other weights apart, until their experiments are retrained', () => {
    const dataset = { ...earlier.dataset, extractor: 'builtin-v1-new' };
    const old = { ...earlier, dataset: { ...earlier.dataset, extractor: 'builtin-v1-old' } };
    const carried = rowsOnEarlierFeatures(old, dataset, false);
    expect(carried.map((r) => [r.id, r.extractor])).toEqual([
      ['SAN', 'builtin-v1-old'],
      ['PG_memory', 'builtin-v1-old'],
      ['gone', 'builtin-v1-old'],
    ]);
    // Not for another dataset or kind of run; a file on the current features passes on what it carried.
    expect(rowsOnEarlierFeatures(old, { ...dataset, seed: 8 }, false)).toEqual([]);
    expect(rowsOnEarlierFeatures(old, dataset, true)).toEqual([]);
    const next = { ...earlier, dataset, rows: [row('SAN')], earlierFeatureRows: carried };
    expect(rowsOnEarlierFeatures(next, dataset, false)).toBe(carried);
    // A third extractor: the rows of the second come first, then what the second carried from the first.
    const third = rowsOnEarlierFeatures(next, { ...dataset, extractor: 'builtin-v1-third' }, false);
    expect(third.map((r) => [r.id, r.extractor])).toEqual([
      ['SAN', 'builtin-v1-new'],
      ...carried.map((r) => [r.id, r.extractor]),
    ]);
    // Only experiments of the plan without a row on the current features, the most recent row of each.
    const kept = earlierFeatureRowsFor(['SAN', 'PG_attention', 'PG_memory'], [row('SAN')], third);
    expect(kept.map((r) => [r.id, r.extractor])).toEqual([['PG_memory', 'builtin-v1-old']]);
    expect(earlierFeatureRowsFor(['SAN'], [], third)[0].extractor).toBe('builtin-v1-new');

    const section = resultsSection({ ...next, rows: [row('SAN')], earlierFeatureRows: kept }, []);
    const apart = section.slice(section.indexOf('## Rows on earlier features, to be retrained'));
    expect(apart).toMatch(/1 experiment has no row on the current features \(builtin-v1-new\) yet/);
    expect(apart).toMatch(/other weights of the extractor \(builtin-v1-old\)/);
    expect(apart).toMatch(/\| PG_memory \| 0 \|/);
    expect(section.slice(0, section.indexOf('## Aims'))).not.toMatch(/\| PG_memory/);
    expect(resultsSection(next, [])).toMatch(/## Rows on earlier features/);
    expect(resultsSection({ ...next, earlierFeatureRows: [] }, [])).not.toMatch(/Rows on earlier features/);
  });

  it('reads the earlier file if there is one, naming it when malformed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmnet-earlier-'));
    try {
      const file = join(dir, 'results.json');
      expect(readEarlierResults(file)).toBeUndefined();
      writeFileSync(file, JSON.stringify(earlier));
      expect(readEarlierResults(file)?.rows.map((r) => r.id)).toEqual(['SAN', 'PG_memory', 'gone']);
      writeFileSync(file, '{"format":"mmnet-experiments","version":2,"rows":');
      expect(() => readEarlierResults(file)).toThrow(/results\.json: not valid JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('charts', () => {
  // Vega-Lite's default colours of the first three series.
  const TABLEAU = [
    [0x4c, 0x78, 0xa8],
    [0xf5, 0x85, 0x18],
    [0xe4, 0x57, 0x56],
  ];
  const twoSeries = {
    title: 'Curves',
    xTitle: 'questions',
    yTitle: 'accuracy',
    width: 320,
    height: 200,
    series: [
      {
        label: 'a',
        points: [
          { x: 0, y: 0.2 },
          { x: 100, y: 0.6 },
        ],
      },
      {
        label: 'b',
        points: [
          { x: 50, y: 0.4 },
          { x: 100, y: 0.3 },
        ],
      },
    ],
    references: [{ label: 'prior', y: 0.3 }],
  };
  const hasColor = (image: ReturnType<typeof decodePng>, [r, g, b]: number[]) => {
    for (let i = 0; i < image.rgb.length; i += 3)
      if (Math.abs(image.rgb[i] - r) + Math.abs(image.rgb[i + 1] - g) + Math.abs(image.rgb[i + 2] - b) < 6)
        return true;
    return false;
  };
  const darkPixels = (image: ReturnType<typeof decodePng>) => {
    let n = 0;
    for (let i = 0; i < image.rgb.length; i += 3)
      if (image.rgb[i] + image.rgb[i + 1] + image.rgb[i + 2] < 200) n++;
    return n;
  };

  it('draws a line chart as a PNG, larger than its plotting area by the scale, with each series in its colour', async () => {
    const png = await lineChartPng(twoSeries);
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    const image = decodePng(png);
    // Axes, titles and the legend come around the 320x200 plotting area.
    expect(image.width).toBeGreaterThan(320 * CHART_SCALE);
    expect(image.height).toBeGreaterThan(200 * CHART_SCALE);
    expect(hasColor(image, TABLEAU[0])).toBe(true);
    expect(hasColor(image, TABLEAU[1])).toBe(true);
    expect(hasColor(image, TABLEAU[2])).toBe(false);
    await expect(lineChartPng({ ...twoSeries, xScale: 'log' })).rejects.toThrow(
      /line chart "Curves": a log x axis needs every x > 0/,
    );
  });

  it('sets text in the bundled font, with no system fonts', async () => {
    // Without a usable font resvg draws no text at all: a longer title must darken more pixels.
    const plain = decodePng(await lineChartPng({ ...twoSeries, title: '' }));
    const titled = decodePng(
      await lineChartPng({ ...twoSeries, title: 'A TITLE WITH MANY LETTERS IN A BOLD FONT' }),
    );
    expect(darkPixels(titled)).toBeGreaterThan(darkPixels(plain) + 500);
  });

  it('makes one learning-curve chart per group present and the weak-supervision chart', () => {
    const r = results([
      row('SAN'),
      row('weak-1pct-hard', { group: 'weak supervision', decoderMode: 'hard', supervisionFraction: 0.01 }),
      row('weak-100pct-hard', { group: 'weak supervision', decoderMode: 'hard', supervisionFraction: 1 }),
    ]);
    const charts = resultCharts(r);
    expect(charts.map((c) => c.file)).toEqual([
      'curves-baselines.png',
      'curves-weak-supervision.png',
      'weak-supervision.png',
    ]);
    const weak = charts[2].spec;
    expect(weak.series?.[0].points).toEqual([
      { x: 0.01, y: 0.5 },
      { x: 1, y: 0.5 },
    ]);
    expect(weak.series?.map((s) => s.label)).toEqual(['PG_endtoend hard']);
    // Rows of different budgets are not joined by one line.
    const mixed = resultCharts(
      results([
        ...r.rows,
        row('weak-10pct-hard', {
          group: 'weak supervision',
          decoderMode: 'hard',
          supervisionFraction: 0.1,
          budgetHours: 1,
          accuracy: 0.7,
        }),
      ]),
    )[2].spec;
    expect(mixed.series?.map((s) => [s.label, s.points.length])).toEqual([
      ['PG_endtoend hard, 2 h', 2],
      ['PG_endtoend hard, 1 h', 1],
    ]);
    // The ablations' chart draws the row they vary first.
    const ablations = resultCharts(
      results([
        row('PG_attention', { label: 'both' }),
        row('PG_attention-without-coordinates', { group: 'ablations', label: 'no coordinates' }),
      ]),
    ).find((c) => c.file === 'curves-ablations.png');
    expect(ablations?.spec.series?.map((s) => s.label)).toEqual(['both', 'no coordinates']);
  });

  it('writes the short README section and links findings.md from results.md when there is one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmnet-write-'));
    try {
      const resultsDir = join(dir, 'results');
      const readme = join(dir, 'README.md');
      writeFileSync(readme, `# x\n${README_START}\nold\n${README_END}\nafter\n`);
      await writeResults(results([row('SAN')]), resultsDir, readme);
      const text = readFileSync(readme, 'utf8');
      expect(text).toContain('| SAN | **50.0** | – | 2 h |');
      expect(text).toContain('[results/results.md](results/results.md)');
      expect(text).not.toContain('old');
      expect(readFileSync(join(resultsDir, 'results.md'), 'utf8')).not.toContain('findings.md');
      writeFileSync(join(resultsDir, 'findings.md'), '# findings\n');
      await writeResults(results([row('SAN')]), resultsDir, readme);
      expect(readFileSync(join(resultsDir, 'results.md'), 'utf8')).toContain('[findings.md](findings.md)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes the charts of the groups with rows and removes the stale ones of groups without', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmnet-write-'));
    try {
      writeFileSync(join(dir, 'curves-end-to-end.png'), 'stale');
      writeFileSync(join(dir, 'notes.txt'), 'kept');
      const written = await writeResults(results([row('SAN')]), dir);
      expect(written.map((f) => f.slice(dir.length + 1)).sort()).toEqual([
        'curves-baselines.png',
        'results.json',
        'results.md',
      ]);
      expect(readdirSync(dir).sort()).toEqual([
        'curves-baselines.png',
        'notes.txt',
        'results.json',
        'results.md',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('experiment plan and helpers', () => {
  it('has every model of the plan once, with budgets that add up', () => {
    const plan = experimentPlan({ smoke: false, seed: 3, weakDecoderModes: ['hard', 'hard+penalty'] });
    // + the stack executor's rows: 3 seeds from answers alone, layouts of 1 % and 10 % of the programs.
    expect(plan).toHaveLength(7 + 8 + 8 + 4 + 2 + 3 + 2);
    // The reference's residual networks as clevr-iep trains its execution engine, for 8 h each.
    const iep = plan.find((e) => e.id === 'PG-clevr-iep')!;
    expect(iep.stages[0].modelConfig).toMatchObject({
      modules: 'iep',
      moduleBatchNorm: true,
      stemBatchNorm: true,
    });
    expect(iep.stages[0].args).toMatchObject({ stem_dim: '128', batch_size: '64', lr: '5e-4' });
    const memory = plan.find((e) => e.id === 'PG_memory-residual')!;
    expect(memory.stages[0].modelConfig).toMatchObject({ modules: 'residual', moduleBatchNorm: false });
    expect([iep.hours, memory.hours]).toEqual([CLEVR_IEP_HOURS, CLEVR_IEP_HOURS]);
    expect(plan.find((e) => e.id === 'PG_attention')?.stages[0].modelConfig).toMatchObject({
      modules: 'attention',
    });
    // The module memory networks run attention memories (PG: the reference's residual modules), but for the
    // clevr-iep-trained residual row.
    expect(plan.find((e) => e.id === 'PG_memory')?.stages[0].modelConfig).toMatchObject({
      modules: 'attention',
    });
    for (const e of plan.filter((x) => x.model === 'PG_endtoend'))
      for (const st of e.stages) expect(st.modelConfig).toMatchObject({ executor: { modules: 'attention' } });
    expect(plan.find((e) => e.id === 'PG')?.stages[0].modelConfig).not.toHaveProperty('modules');
    const clevrIepRows = [iep.id, memory.id];
    for (const e of plan.filter((x) => !clevrIepRows.includes(x.id)))
      expect(e.hours).toBe(
        e.model.startsWith('SAN')
          ? SAN_HOURS
          : e.id.startsWith('PG_endtoend-stack')
            ? STACK_HOURS
            : DEFAULT_HOURS[e.group],
      );
    // The stack rows run --executor stack, every other PG_endtoend row the tree executor; seeds +0, +1, +2.
    for (const e of plan.filter((x) => x.model === 'PG_endtoend'))
      for (const st of e.stages) expect(st.args.executor).toBe(e.id.includes('stack') ? 'stack' : 'tree');
    expect(
      plan.filter((e) => e.id.startsWith('PG_endtoend-stack')).map((e) => e.stages[0].args.seed),
    ).toEqual(['3', '4', '5']);
    // The ablations: PG_attention's run with one change taken away each.
    const base = plan.find((e) => e.id === ABLATION_BASE)!.stages[0];
    expect(base.modelConfig).toMatchObject({ coordinates: true, countFilters: 8 });
    const ablations = plan.filter((e) => e.group === 'ablations');
    expect(
      ablations.map((e) => [e.id, e.stages[0].modelConfig.coordinates, e.stages[0].modelConfig.countFilters]),
    ).toEqual([
      ['PG_attention-without-coordinates', false, 8],
      ['PG_attention-without-count-filters', true, 0],
    ]);
    for (const e of ablations) {
      expect(e.stages[0].args).toEqual(base.args);
      expect({ ...e.stages[0].modelConfig, coordinates: true, countFilters: 8 }).toEqual(base.modelConfig);
    }
    // End to end from scratch: batch 32 (random full-length programs); the weak-supervision stages 64.
    expect(plan.find((e) => e.id === 'PG_endtoend-soft')?.stages[0].args.batch_size).toBe('32');
    // Gumbel: 16 twice per update (32 ran out of the wasm heap), the same 32 questions per update.
    const gumbel = plan.find((e) => e.id === 'PG_endtoend-gumbel-curriculum')?.stages[0].args;
    expect([gumbel?.batch_size, gumbel?.batch_multiplier]).toEqual(['16', '2']);
    expect(plan.find((e) => e.id === 'weak-10pct-hard')?.stages[2].args.batch_size).toBe('64');
    // PG with attention modules and PG_memory decay their learning rate over the budget.
    for (const id of ['PG_attention', 'PG_memory'])
      expect(plan.find((e) => e.id === id)?.stages[0].args.lr_schedule).toBe('cosine');
    // So does the weak-supervision executor stage; the joint stage goes on at the rate it ended at.
    const [, executor, answers] = plan.find((e) => e.id === 'weak-10pct-hard')?.stages ?? [];
    expect([executor?.args.lr_schedule, executor?.args.lr, answers?.args.lr]).toEqual([
      'cosine',
      '2e-3',
      '1e-4',
    ]);
    expect(new Set(plan.map((e) => e.id)).size).toBe(plan.length);
    for (const e of plan) {
      expect(e.stages.reduce((s, st) => s + st.budgetShare, 0)).toBeCloseTo(1);
      // Every run takes --seed, the stack executor's extra seeds add 1 and 2 to it.
      const offset = Number(/-seed(\d)$/.exec(e.id)?.[1] ?? 0);
      for (const s of e.stages) expect(s.args.seed).toBe(String(3 + offset));
    }
    const stackWeak = plan.filter((e) => e.supervisionFraction !== undefined && e.id.endsWith('-stack'));
    expect(stackWeak.map((e) => e.supervisionFraction)).toEqual([0.01, 0.1]);
    expect(
      stackWeak[0].stages.map((s) => [
        s.args.train_mode,
        s.args.program_supervision_fraction,
        s.args.decoder_mode,
        s.loadPrevious,
        s.budgetShare,
        s.args.pseudo_program_min_log_prob,
      ]),
    ).toEqual([
      ['PG', '0.01', undefined, undefined, 0.15, undefined],
      // Self-training: the layouts stage's controller labels the other questions it is sure of.
      ['PG', '0.01', undefined, 'PG', 0.05, '-0.2'],
      // The executor runs the controller's most likely layouts, one-hot.
      ['EE', undefined, 'hard', 'PG', 0.8, undefined],
    ]);
    const weak = plan.filter((e) => e.supervisionFraction !== undefined && !e.id.endsWith('-stack'));
    expect(weak.map((e) => e.supervisionFraction)).toEqual([0.01, 0.05, 0.1, 1, 0.01, 0.05, 0.1, 1]);
    expect(
      weak[0].stages.map((s) => [s.args.train_mode, s.args.program_supervision_fraction, s.loadPrevious]),
    ).toEqual([
      ['PG', '0.01', undefined],
      ['EE', undefined, 'PG'],
      ['PG+EE', undefined, 'PG+EE'],
    ]);
    expect(() => selectExperiments(plan, ['SAN', 'nope'])).toThrow(/--only: unknown experiment nope/);
    expect(selectExperiments(plan, ['PG', 'SAN']).map((e) => e.id)).toEqual(['SAN', 'PG']);
  });

  it('passes the time a stage left unused on to the next ones, within the experiment budget', () => {
    const weak = experimentPlan({ smoke: false, seed: 0, weakDecoderModes: ['hard'] }).find(
      (e) => e.id === 'weak-10pct-hard',
    )!;
    // Shares 0.25 / 0.45 / 0.3 of 4 h: the programs stage completed its updates in 25 of its 60 minutes.
    expect(stageBudgetMinutes(240, weak.stages, 0, [])).toBeCloseTo(60);
    expect(stageBudgetMinutes(240, weak.stages, 1, [25])).toBeCloseTo(0.7 * 240 - 25);
    expect(stageBudgetMinutes(240, weak.stages, 2, [25, 143])).toBeCloseTo(240 - 168);
    // Stages that used their shares leave the next ones their own shares.
    expect(stageBudgetMinutes(60, weak.stages, 2, [15, 27])).toBeCloseTo(18);

    const dir = mkdtempSync(join(tmpdir(), 'mmnet-stages-'));
    mkdirSync(join(dir, weak.id));
    const state = (stage: string, minutes: number, completed = false) =>
      writeStageState(stageStateFile(dir, weak, weak.stages.find((s) => s.name === stage)!), {
        minutes,
        done: true,
        completed,
      });
    state('programs', 25, true);
    state('executor', 27);
    state('answers', 18);
    // With 1 h the executor's 27 minutes were more than its share; with 4 h it has 143 - 27 to go.
    expect(experimentTrained(weak, dir, 1)).toBe(true);
    expect(experimentTrained(weak, dir, 4)).toBe(false);
    state('executor', 143);
    state('answers', 72);
    expect(experimentTrained(weak, dir, 4)).toBe(true);
    state('answers', 60);
    expect(experimentTrained(weak, dir, 4)).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });

  it("fine-tunes every decoder mode from the 10 % row after its executor stage, as that row's joint stage", () => {
    const plan = experimentPlan({ smoke: false, seed: 0, weakDecoderModes: ['hard+penalty', 'hard'] });
    const tuned = plan.filter((e) => e.group === 'end-to-end fine-tuning');
    expect(tuned.map((e) => [e.id, e.decoderMode])).toEqual([
      ['PG_endtoend-soft-from-10pct', 'soft'],
      ['PG_endtoend-gumbel-from-10pct', 'gumbel'],
      ['PG_endtoend-hard-from-10pct', 'hard'],
      ['PG_endtoend-hard+penalty-from-10pct', 'hard+penalty'],
    ]);
    // They come after the row they start from, which is the first weak-supervision mode's 10 % row.
    const start = plan.findIndex((e) => e.id === 'weak-10pct-hard+penalty');
    expect(start).toBeGreaterThan(-1);
    const joint = plan[start].stages[2].args;
    for (const e of tuned) {
      expect(plan.indexOf(e)).toBeGreaterThan(start);
      expect(e.supervisionFraction).toBeUndefined();
      expect(e.stages).toHaveLength(1);
      expect(e.stages[0].loadFrom).toEqual({
        experiment: 'weak-10pct-hard+penalty',
        stage: 'executor',
        mode: 'PG+EE',
      });
      // The joint stage's rates and train mode; the batch of the end-to-end runs (gumbel: 16 twice).
      const { batch_size, batch_multiplier, decoder_mode, ...rest } = e.stages[0].args;
      const { batch_size: _b, decoder_mode: _d, ...jointRest } = joint;
      expect(rest).toEqual(jointRest);
      expect(decoder_mode).toBe(e.decoderMode);
      expect([batch_size, batch_multiplier]).toEqual(
        e.decoderMode === 'gumbel' ? ['16', '2'] : ['32', undefined],
      );
    }
  });

  it('starts a stage from the checkpoint it names, and refuses one whose start is not trained', () => {
    const plan = experimentPlan({ smoke: false, seed: 0, weakDecoderModes: ['hard'] });
    const weak = plan.find((e) => e.id === 'weak-10pct-hard')!;
    const soft = plan.find((e) => e.id === 'PG_endtoend-soft-from-10pct')!;
    const dir = mkdtempSync(join(tmpdir(), 'mmnet-start-'));
    try {
      expect(startCheckpointFlags(weak, 0, dir)).toEqual([]);
      expect(() => startCheckpointFlags(soft, 0, dir)).toThrow(
        /PG_endtoend-soft-from-10pct: stage answers starts from the executor stage of weak-10pct-hard, which is not trained in .* yet \(train it first: --only weak-10pct-hard\)/,
      );
      const run = (stage: string, latest: string) => {
        mkdirSync(join(dir, weak.id, stage), { recursive: true });
        const manifest = { format: 'mmnet-run', version: 1, latest, step: 7 };
        writeFileSync(join(dir, weak.id, stage, 'run.json'), JSON.stringify(manifest));
      };
      run('executor', 'checkpoints/step-0000007.safetensors');
      // A run folder whose stage has not ended is not a start yet.
      writeStageState(stageStateFile(dir, weak, weak.stages[1]), {
        minutes: 3,
        done: false,
        completed: false,
      });
      expect(() => startCheckpointFlags(soft, 0, dir)).toThrow(/not trained/);
      writeStageState(stageStateFile(dir, weak, weak.stages[1]), {
        minutes: 54,
        done: true,
        completed: false,
      });
      const executorCheckpoint = join(dir, weak.id, 'executor', 'checkpoints/step-0000007.safetensors');
      expect(startCheckpointFlags(soft, 0, dir)).toEqual([
        `--load_model_path=${executorCheckpoint}`,
        '--load_model_mode=PG+EE',
      ]);
      // Within an experiment: the previous stage's latest checkpoint, with the parts the stage names.
      expect(startCheckpointFlags(weak, 2, dir)).toEqual([
        `--load_model_path=${executorCheckpoint}`,
        '--load_model_mode=PG+EE',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the budget and command an experiment was trained with, and names a malformed record', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmnet-record-'));
    expect(readExperimentRecord(dir, 'PG')).toBeUndefined();
    writeExperimentRecord(dir, 'PG', {
      budgetHours: 3,
      command: 'pnpm experiments --only PG --hours-per-model 3',
      commit: 'db8c053',
    });
    expect(readExperimentRecord(dir, 'PG')).toEqual({
      budgetHours: 3,
      command: 'pnpm experiments --only PG --hours-per-model 3',
      commit: 'db8c053',
    });
    writeFileSync(join(dir, 'PG', 'experiment.json'), '{"budgetHours": -1, "command": "x"}');
    expect(() => readExperimentRecord(dir, 'PG')).toThrow(/experiment\.json: budgetHours:/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('records the code as its git commit, marked dirty when tracked files changed, and nothing outside git', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmnet-code-'));
    expect(gitCodeVersion(dir)).toBeUndefined();
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
        stdio: 'ignore',
      });
    git('init', '-q');
    writeFileSync(join(dir, 'a.txt'), 'one');
    git('add', 'a.txt');
    git('commit', '-q', '-m', 'one');
    const head = execFileSync('git', ['-C', dir, 'rev-parse', '--short=7', 'HEAD'], {
      encoding: 'utf8',
    }).trim();
    expect(gitCodeVersion(dir)).toBe(head);
    writeFileSync(join(dir, 'untracked.txt'), 'x');
    expect(gitCodeVersion(dir)).toBe(head);
    writeFileSync(join(dir, 'a.txt'), 'two');
    expect(gitCodeVersion(dir)).toBe(`${head}-dirty`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('trains and evaluates only what an experiment lacks, the whole val split with the final split', () => {
    const evaluation = (split: string, questions: number, checkpoint = 'runs/a/step-9.safetensors') => ({
      checkpoint,
      split,
      questions,
      accuracy: 0.5,
      perFamily: {},
      programExactMatch: null,
      backend: 'wasm',
    });
    const base = { finalSplit: 'test' as const, evaluatedQuestions: 5000 };
    const none = { train: false, evaluateFinal: false, evaluateVal: false };
    const done = { trained: true, final: evaluation('test', 5000), val: evaluation('val', 5000) };
    expect(workToDo({ ...base, ...done })).toEqual(none);
    // Evaluated on test before the val column: val alone.
    expect(workToDo({ ...base, ...done, val: null })).toEqual({ ...none, evaluateVal: true });
    // A val evaluation of another checkpoint is stale.
    expect(workToDo({ ...base, ...done, val: evaluation('val', 5000, 'runs/a/step-5.safetensors') })).toEqual(
      { ...none, evaluateVal: true },
    );
    // Another number of test questions: both again.
    expect(workToDo({ ...base, ...done, evaluatedQuestions: 1000 })).toEqual({
      ...none,
      evaluateFinal: true,
      evaluateVal: true,
    });
    expect(workToDo({ ...base, ...done, trained: false })).toEqual({
      train: true,
      evaluateFinal: true,
      evaluateVal: true,
    });
    // --smoke: val is the final split, evaluated once.
    expect(
      workToDo({
        ...done,
        finalSplit: 'val',
        evaluatedQuestions: 5000,
        final: evaluation('val', 5000),
        val: null,
      }),
    ).toEqual(none);
  });

  it('reads a split evaluation, naming a damaged file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmnet-eval-'));
    const file = join(dir, 'eval-val.json');
    expect(readEvaluation(file)).toBeNull();
    writeFileSync(file, '{"checkpoint": "a.safetensors", "questions": 5, "accuracy": 0.4');
    expect(() => readEvaluation(file)).toThrow(`${file}: not valid JSON`);
    writeFileSync(file, '{"checkpoint": "a.safetensors"}');
    expect(() => readEvaluation(file)).toThrow(`${file}: not a split evaluation`);
    writeFileSync(file, '{"checkpoint": "a.safetensors", "questions": 5, "accuracy": 0.4}');
    expect(readEvaluation(file)?.accuracy).toBe(0.4);
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts questions seen over epochs with a short last batch', () => {
    expect(questionsSeen(0, 100, 32)).toBe(0);
    expect(questionsSeen(3, 100, 32)).toBe(96);
    expect(questionsSeen(4, 100, 32)).toBe(100);
    expect(questionsSeen(6, 100, 32)).toBe(164);
    // Two batches of 16 per update (--batch_multiplier 2): 7 batches per epoch, the 7th of 4 questions.
    expect(questionsSeen(3, 100, 16, 2)).toBe(96);
    expect(questionsSeen(4, 100, 16, 2)).toBe(116);
  });

  it('tallies answers per template and sums template tallies into the 9 families', () => {
    const templates = [3, 0, 3, 3];
    expect(
      tallyByTemplate(
        4,
        (i) => templates[i],
        (i) => i !== 2,
      ),
    ).toEqual({ '3': { correct: 2, total: 3 }, '0': { correct: 1, total: 1 } });
    const acc = accuracyByFamily({ '0': { correct: 1, total: 2 }, '1': { correct: 1, total: 2 } });
    expect(Object.keys(acc)).toEqual(families);
    expect(Object.values(acc).filter((v) => v !== null)).toHaveLength(1);
    expect(() => accuracyByFamily({ '999': { correct: 0, total: 1 } })).toThrow(
      /999 is not a built-in template/,
    );
  });

  it('validates the options', () => {
    expect(experimentOptionsSchema.safeParse({ hours_per_model: '9' }).success).toBe(false);
    expect(experimentOptionsSchema.safeParse({ weak_decoder_modes: 'hard,beam' }).success).toBe(false);
    const ok = experimentOptionsSchema.parse({
      hours_per_model: '1.5',
      only: 'SAN, PG',
      weak_decoder_modes: 'hard',
    });
    expect([ok.hours_per_model, ok.only, ok.weak_decoder_modes]).toEqual([1.5, ['SAN', 'PG'], ['hard']]);
    expect(experimentOptionsSchema.parse({ preset: 'clevr-medium' }).preset).toBe('clevr-medium');
    expect(experimentOptionsSchema.safeParse({ preset: 'clevr-large' }).error?.issues[0].message).toBe(
      'must be one of clevr-small, clevr-medium',
    );
  });
});
