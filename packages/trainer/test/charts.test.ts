import { describe, expect, it } from 'vitest';
import { buildReportHtml, chartSvg, compileChart, type LineChartInput, lineChartSpec } from '../src/index.js';
import { reportData } from './fixtures/report-data.js';

const points = (xys: [number, number][]) => xys.map(([x, y]) => ({ x, y }));

const curves: LineChartInput = {
  title: 'Learning curves',
  xTitle: 'training questions seen',
  yTitle: 'val accuracy',
  xFormat: 'count',
  series: [
    {
      label: 'SAN',
      points: points([
        [1000, 0.3],
        [2000, 0.45],
        [3000, Number.NaN],
      ]),
    },
    { label: 'PG, attention modules (ground-truth programs)', points: [{ x: 1500, y: 0.6 }] },
  ],
  references: [{ label: 'answer-type prior', y: 0.42 }],
};

/** The text of every `<text>` element of an SVG document, entities decoded. */
const svgTexts = (svg: string) =>
  [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) =>
    m[1].replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&'),
  );

describe('line charts', () => {
  it('builds a spec with every series, both axis titles and the references', async () => {
    const spec = JSON.stringify(lineChartSpec(curves));
    for (const text of ['SAN', 'PG, attention modules (ground-truth programs)', 'answer-type prior'])
      expect(spec).toContain(JSON.stringify(text));
    expect(spec).toContain('"title":"training questions seen"');
    expect(spec).toContain('"title":"val accuracy"');
    // The NaN point is left out: two points of SAN remain.
    expect(spec.match(/"series":"SAN"/g)).toHaveLength(2);
    // Vega-Lite compiles it (its errors would throw here).
    expect(JSON.stringify(await compileChart(lineChartSpec(curves)))).toContain('answer-type prior');
  });

  it('draws it as SVG with the title, axis titles, legend entries and reference label', async () => {
    const texts = svgTexts(await chartSvg(lineChartSpec(curves)));
    for (const text of [
      'Learning curves',
      'training questions seen',
      'val accuracy',
      'SAN',
      'PG, attention modules (ground-truth programs)',
      'answer-type prior',
    ])
      expect(texts).toContain(text);
    // Counts are written 1k, 2k, ...
    expect(texts).toContain('2k');
  });

  it('writes log-scale fractions as percentages and refuses x <= 0 on a log axis', async () => {
    const weak: LineChartInput = {
      ...curves,
      xScale: 'log',
      xFormat: 'percent',
      series: [
        {
          label: 'hard',
          points: points([
            [0.01, 0.5],
            [1, 0.9],
          ]),
        },
      ],
    };
    const texts = svgTexts(await chartSvg(lineChartSpec(weak)));
    expect(texts).toContain('10%');
    expect(texts).toContain('100%');
    expect(() => lineChartSpec({ ...weak, series: [{ label: 'hard', points: [{ x: 0, y: 0.5 }] }] })).toThrow(
      /line chart "Learning curves": a log x axis needs every x > 0/,
    );
  });
});

describe('the HTML report', () => {
  it('holds each learning-curve chart as SVG with its series, and everything it needs to work offline', async () => {
    const html = await buildReportHtml(reportData());
    const figure = (id: string) =>
      html.match(new RegExp(`<figure class="plot" id="${id}">(<svg.*?</svg>)</figure>`))?.[1];
    const loss = figure('loss-plot');
    const accuracy = figure('accuracy-plot');
    expect(svgTexts(loss ?? '')).toEqual(
      expect.arrayContaining(['Loss', 'iteration', 'loss', 'train loss', 'val loss']),
    );
    expect(svgTexts(accuracy ?? '')).toEqual(
      expect.arrayContaining(['Accuracy', 'train accuracy', 'val accuracy', 'answer-type prior']),
    );
    // Interactive through the inlined Vega runtime: no script, stylesheet or font is fetched.
    expect(html).toContain('const MMNET_CHARTS = {"loss-plot":');
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    expect(scripts).toHaveLength(2);
    expect(scripts[0].length).toBeGreaterThan(100_000);
    expect(scripts[0]).toContain('vega');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
  });
});
