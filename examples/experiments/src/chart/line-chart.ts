import { encodePng, type RgbImage } from '@mmnet/clevr-data';
import { z } from 'zod';
import { GLYPH_HEIGHT, textWidth, wrapText } from './bitmap-font.js';
import { Raster, type Rgb } from './raster.js';

const pointSchema = z.object({ x: z.number().finite(), y: z.number().finite() });

export const lineChartSchema = z.object({
  title: z.string(),
  xLabel: z.string(),
  yLabel: z.string(),
  series: z.array(z.object({ label: z.string(), points: z.array(pointSchema) })),
  /** Horizontal reference lines (dashed), e.g. the answer-type prior. */
  references: z.array(z.object({ label: z.string(), y: z.number().finite() })).default([]),
  xScale: z.enum(['linear', 'log']).default('linear'),
  /** How x tick labels are written: plain numbers, counts (12k, 1.5M) or percentages of 1. */
  xFormat: z.enum(['number', 'count', 'percent']).default('number'),
  yRange: z.tuple([z.number(), z.number()]).optional(),
  width: z.number().int().min(200).default(800),
  height: z.number().int().min(150).default(480),
});
export type LineChartInput = z.input<typeof lineChartSchema>;

/** Distinct colours for up to 10 series (then they repeat). */
export const SERIES_COLORS: readonly Rgb[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];
const BLACK: Rgb = [0, 0, 0];
const GRID: Rgb = [225, 225, 225];
const REFERENCE: Rgb = [110, 110, 110];
/** Widest a legend label's line may be, as a share of the image width (longer labels wrap). */
const LEGEND_SHARE = 0.3;
const LEGEND_LINE_HEIGHT = 10;

/** Round tick values in [lo, hi], about `target` of them (at most 1.5 times as many). */
export function niceTicks(lo: number, hi: number, target = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step =
    [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((st) => (hi - lo) / st <= target * 1.5) ??
    10 * magnitude;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step)
    ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

export function formatTick(value: number, format: 'number' | 'count' | 'percent'): string {
  const trim = (v: number) => String(Number(v.toPrecision(3)));
  if (format === 'percent') return `${trim(value * 100)}%`;
  if (format === 'count') {
    if (Math.abs(value) >= 1e6) return `${trim(value / 1e6)}M`;
    if (Math.abs(value) >= 1e3) return `${trim(value / 1e3)}k`;
  }
  return trim(value);
}

/**
 * Rasterises a line chart (title, axes with ticks and grid, one polyline with markers per series, dashed
 * reference lines, a legend) into an RGB image.
 */
export function renderLineChart(input: LineChartInput): RgbImage {
  const spec = lineChartSchema.parse(input);
  const { width, height } = spec;
  const raster = new Raster(width, height);
  const points = spec.series.flatMap((s) => s.points);
  const log = spec.xScale === 'log';
  if (log && points.some((p) => p.x <= 0))
    throw new Error(`line chart "${spec.title}": log x axis needs x > 0`);
  const xs = points.map((p) => (log ? Math.log10(p.x) : p.x));
  let [xLo, xHi] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  if (xHi === xLo) [xLo, xHi] = [xLo - 0.5, xHi + 0.5];
  if (!log && xLo > 0 && xLo < (xHi - xLo) * 0.5) xLo = 0;
  const ys = [...points.map((p) => p.y), ...spec.references.map((r) => r.y)];
  let [yLo, yHi] = spec.yRange ?? (ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1]);
  if (!spec.yRange) {
    const pad = Math.max(0.02, (yHi - yLo) * 0.08);
    [yLo, yHi] = [Math.max(0, yLo - pad), Math.min(1, yHi + pad)];
    if (yHi <= yLo) [yLo, yHi] = [0, 1];
  }

  const legendLines = spec.series.map((s) => wrapText(s.label, Math.floor(width * LEGEND_SHARE)));
  const legendWidth = Math.max(0, ...legendLines.flat().map((line) => textWidth(line))) + 34;
  const left = 64;
  const right = width - legendWidth - 16;
  const top = 34;
  const bottom = height - 46;
  const px = (x: number) => left + ((x - xLo) / (xHi - xLo)) * (right - left);
  const py = (y: number) => bottom - ((y - yLo) / (yHi - yLo)) * (bottom - top);

  raster.text(spec.title, (width - textWidth(spec.title, 2)) / 2, 8, BLACK, 2);
  const yTicks = niceTicks(yLo, yHi);
  for (const t of yTicks) {
    raster.line(left, py(t), right, py(t), GRID);
    const label = formatTick(t, 'number');
    raster.text(label, left - 6 - textWidth(label), py(t) - GLYPH_HEIGHT / 2, BLACK);
  }
  const xTicks = log
    ? Array.from({ length: Math.floor(xHi) - Math.ceil(xLo) + 1 }, (_, i) => Math.ceil(xLo) + i).concat(
        xs.filter((x) => !Number.isInteger(x)),
      )
    : niceTicks(xLo, xHi, 6);
  for (const t of [...new Set(xTicks)]) {
    if (t < xLo - 1e-9 || t > xHi + 1e-9) continue;
    raster.line(px(t), top, px(t), bottom, GRID);
    const label = formatTick(log ? 10 ** t : t, spec.xFormat);
    raster.text(label, px(t) - textWidth(label) / 2, bottom + 6, BLACK);
  }
  raster.line(left, bottom, right, bottom, BLACK);
  raster.line(left, top, left, bottom, BLACK);
  raster.text(spec.xLabel, (left + right - textWidth(spec.xLabel)) / 2, height - 16, BLACK);
  raster.text(spec.yLabel, 4, top - 14, BLACK);

  for (const r of spec.references) {
    if (r.y < yLo || r.y > yHi) continue;
    raster.line(left, py(r.y), right, py(r.y), REFERENCE, 1, [6, 4]);
    raster.text(r.label, right - textWidth(r.label) - 2, py(r.y) - GLYPH_HEIGHT - 3, REFERENCE);
  }
  let legendY = top + 4;
  spec.series.forEach((s, k) => {
    const color = SERIES_COLORS[k % SERIES_COLORS.length];
    const pts = [...s.points]
      .sort((a, b) => a.x - b.x)
      .map((p) => [px(log ? Math.log10(p.x) : p.x), py(Math.min(yHi, Math.max(yLo, p.y)))] as const);
    for (let i = 1; i < pts.length; i++)
      raster.line(pts[i - 1][0], pts[i - 1][1], pts[i][0], pts[i][1], color, 2);
    for (const [x, y] of pts) raster.fillRect(x - 2, y - 2, 5, 5, color);
    raster.fillRect(right + 12, legendY, 14, 7, color);
    legendLines[k].forEach((line, i) => {
      raster.text(line, right + 30, legendY + i * LEGEND_LINE_HEIGHT, BLACK);
    });
    legendY += legendLines[k].length * LEGEND_LINE_HEIGHT + 6;
  });
  return raster.image();
}

/** The chart as PNG bytes. */
export function lineChartPng(input: LineChartInput): Buffer {
  return encodePng(renderLineChart(input));
}
