import type { TopLevelSpec } from 'vega-lite';
import { z } from 'zod';

// Any number, NaN and infinities too (z.number() refuses them): a curve may hold a diverged loss.
const coordinate = z.custom<number>((v) => typeof v === 'number', 'must be a number');
const pointSchema = z.object({ x: coordinate, y: coordinate });

/** A line chart of curves: what the training report and the experiments' result charts draw. */
export const lineChartSchema = z.object({
  title: z.string(),
  xTitle: z.string(),
  yTitle: z.string(),
  /** One line per series, in legend order; points with a non-finite coordinate are left out. */
  series: z.array(z.object({ label: z.string(), points: z.array(pointSchema) })),
  /** Horizontal reference lines (dashed, labelled at their right end), e.g. the answer-type prior. */
  references: z.array(z.object({ label: z.string(), y: z.number().finite() })).default([]),
  xScale: z.enum(['linear', 'log']).default('linear'),
  /** How x values are written: plain numbers, counts (20k, 1.5M) or fractions as percentages. */
  xFormat: z.enum(['number', 'count', 'percent']).default('number'),
  /** The y axis range; by default the data's, not forced to include zero. */
  yDomain: z.tuple([z.number(), z.number()]).optional(),
  /** Whether each point gets a visible marker (else only the line; hovering still shows the values). */
  markers: z.boolean().default(true),
  /**
   * Whether a browser showing the chart lets the reader zoom and pan along x and pick series in the legend (the
   * plotting area then clips what leaves it). Tooltips are there either way.
   */
  interactive: z.boolean().default(true),
  /** Size of the plotting area in pixels (title, axes and legend come on top). */
  width: z.number().int().min(100).default(560),
  height: z.number().int().min(80).default(300),
});
export type LineChartInput = z.input<typeof lineChartSchema>;

const COUNT_LABEL =
  "datum.value >= 1e6 ? format(datum.value / 1e6, '~r') + 'M' : datum.value >= 1e3 ? format(datum.value / 1e3, '~r') + 'k' : format(datum.value, '~r')";

/**
 * The Vega-Lite spec of a line chart: one coloured line per series with a legend below, dashed reference lines
 * and, in a browser, tooltips with each point's values; when `interactive`, also zoom and pan along x (wheel and
 * drag) and a click on a legend entry to highlight that series.
 */
export function lineChartSpec(input: LineChartInput): TopLevelSpec {
  const c = lineChartSchema.parse(input);
  const values = c.series.flatMap((s) =>
    s.points
      .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
      .map((p) => ({ series: s.label, x: p.x, y: p.y })),
  );
  if (c.xScale === 'log' && values.some((v) => v.x <= 0))
    throw new Error(`line chart "${c.title}": a log x axis needs every x > 0`);
  const xAxis =
    c.xFormat === 'count'
      ? { labelExpr: COUNT_LABEL }
      : c.xFormat === 'percent'
        ? { format: '~%' }
        : { format: '~r' };
  const x = {
    field: 'x',
    type: 'quantitative',
    title: c.xTitle,
    scale: c.xScale === 'log' ? { type: 'log' } : { zero: true },
    axis: { ...xAxis, labelFlush: true },
  } as const;
  const y = {
    field: 'y',
    type: 'quantitative',
    title: c.yTitle,
    scale: c.yDomain ? { domain: c.yDomain } : { zero: false },
  } as const;
  const top = Math.max(...values.map((v) => v.y));
  const longest = Math.max(0, ...c.series.map((s) => s.label.length));
  const columns = longest <= 32 && c.series.length > 3 ? 2 : 1;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: c.title,
    width: c.width,
    height: c.height,
    layer: [
      {
        data: { values },
        ...(c.interactive
          ? {
              params: [
                { name: 'zoom', select: { type: 'interval', encodings: ['x'] }, bind: 'scales' },
                { name: 'pick', select: { type: 'point', fields: ['series'] }, bind: 'legend' },
              ],
            }
          : {}),
        // Without markers, an interactive chart keeps invisible points for the tooltips.
        mark: {
          type: 'line',
          point: c.markers ? { size: 24 } : c.interactive ? 'transparent' : false,
          strokeWidth: 2,
        },
        encoding: {
          x,
          y,
          color: {
            field: 'series',
            type: 'nominal',
            sort: c.series.map((s) => s.label),
            legend: {
              title: null,
              orient: 'bottom',
              direction: 'vertical',
              columns,
              labelLimit: Math.floor(c.width / columns),
              symbolType: 'stroke',
              symbolStrokeWidth: 3,
            },
          },
          // strokeOpacity, not opacity: the invisible points of a chart without markers stay invisible.
          ...(c.interactive
            ? { strokeOpacity: { condition: { param: 'pick', value: 1 }, value: 0.15 } }
            : {}),
          tooltip: [
            { field: 'series', type: 'nominal', title: 'series' },
            {
              field: 'x',
              type: 'quantitative',
              title: c.xTitle,
              format: c.xFormat === 'percent' ? '.1%' : ',',
            },
            { field: 'y', type: 'quantitative', title: c.yTitle, format: '.4~f' },
          ],
        },
      },
      {
        data: { values: c.references },
        mark: { type: 'rule', color: '#666', strokeDash: [6, 4], clip: true },
        encoding: { y },
      },
      // A reference's label goes above its line, or below it when the line is above every point.
      ...[true, false].map((above) => ({
        data: { values: c.references.filter((r) => r.y < top === above) },
        mark: {
          type: 'text',
          color: '#555',
          align: 'right',
          baseline: above ? 'bottom' : 'top',
          dy: above ? -3 : 3,
          x: { expr: 'width' },
        },
        encoding: { y, text: { field: 'label' } },
      })),
    ],
  } as TopLevelSpec;
}

/** Averages points in windows so a noisy per-step curve stays readable (and small). */
export function smooth(points: [number, number][], maxPoints = 300): [number, number][] {
  if (points.length <= maxPoints) return points;
  const size = Math.ceil(points.length / maxPoints);
  const out: [number, number][] = [];
  for (let i = 0; i < points.length; i += size) {
    const chunk = points.slice(i, i + size);
    out.push([chunk[chunk.length - 1][0], chunk.reduce((s, p) => s + p[1], 0) / chunk.length]);
  }
  return out;
}
