import { escapeHtml } from './escape.js';

export interface PlotSeries {
  name: string;
  points: [number, number][];
  color: string;
  dashed?: boolean;
}

export interface LineChartOptions {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  yMin?: number;
  yMax?: number;
}

function niceTicks(min: number, max: number, count: number): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

const fmt = (v: number) => (Math.abs(v) >= 1000 ? v.toFixed(0) : Number(v.toPrecision(3)).toString());

/** A line chart as inline SVG (axes, ticks, one polyline per series, legend); no script needed. */
export function lineChart(series: PlotSeries[], o: LineChartOptions): string {
  const width = o.width ?? 560;
  const height = o.height ?? 300;
  const m = { left: 56, right: 16, top: 28, bottom: 44 };
  const pts = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  let xMin = xs.length ? Math.min(...xs) : 0;
  let xMax = xs.length ? Math.max(...xs) : 1;
  if (xMax === xMin) xMax = xMin + 1;
  let yMin = o.yMin ?? (ys.length ? Math.min(...ys) : 0);
  let yMax = o.yMax ?? (ys.length ? Math.max(...ys) : 1);
  if (yMax === yMin) {
    yMax += 0.5;
    yMin -= 0.5;
  }
  if (xMin > 0 && xMin < xMax / 5) xMin = 0;
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const sx = (x: number) => m.left + ((x - xMin) / (xMax - xMin)) * pw;
  const sy = (y: number) => m.top + ph - ((y - yMin) / (yMax - yMin)) * ph;
  const parts: string[] = [];
  parts.push(
    `<svg id="${o.id}" class="plot" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(o.title)}">`,
  );
  parts.push(
    `<text x="${width / 2}" y="16" text-anchor="middle" class="plot-title">${escapeHtml(o.title)}</text>`,
  );
  for (const t of niceTicks(yMin, yMax, 5)) {
    parts.push(
      `<line x1="${m.left}" x2="${width - m.right}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" class="grid"/>`,
    );
    parts.push(
      `<text x="${m.left - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end" class="tick">${fmt(t)}</text>`,
    );
  }
  for (const t of niceTicks(xMin, xMax, 6)) {
    parts.push(
      `<text x="${sx(t).toFixed(1)}" y="${height - m.bottom + 16}" text-anchor="middle" class="tick">${fmt(t)}</text>`,
    );
  }
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" class="frame"/>`);
  parts.push(
    `<text x="${m.left + pw / 2}" y="${height - 8}" text-anchor="middle" class="axis-label">${escapeHtml(o.xLabel)}</text>`,
  );
  parts.push(
    `<text transform="translate(14 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle" class="axis-label">${escapeHtml(o.yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const good = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (good.length) {
      const d = good.map(([x, y], k) => `${k ? 'L' : 'M'}${sx(x).toFixed(1)} ${sy(y).toFixed(1)}`).join(' ');
      parts.push(
        `<path class="series" data-series="${escapeHtml(s.name)}" d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      );
      if (good.length === 1)
        parts.push(
          `<circle cx="${sx(good[0][0]).toFixed(1)}" cy="${sy(good[0][1]).toFixed(1)}" r="3" fill="${s.color}"/>`,
        );
    }
    const ly = m.top + 12 + i * 16;
    parts.push(
      `<line x1="${m.left + 10}" x2="${m.left + 30}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
    );
    parts.push(`<text x="${m.left + 36}" y="${ly + 4}" class="legend">${escapeHtml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
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
