import { createRequire } from 'node:module';
import { chartSvg, type LineChartInput, lineChartSpec } from '@mmnet/trainer';
import { Resvg } from '@resvg/resvg-js';

const require = createRequire(import.meta.url);

/**
 * The fonts charts are set in: Inter (regular for labels, bold for titles), TrueType files shipped in an npm package,
 * so that a PNG looks the same on every machine, with no system fonts needed.
 */
export const CHART_FONTS: readonly string[] = [
  require.resolve('@expo-google-fonts/inter/400Regular/Inter_400Regular.ttf'),
  require.resolve('@expo-google-fonts/inter/700Bold/Inter_700Bold.ttf'),
];

/** Pixels per SVG unit: 1.5 keeps small text crisp at about 100 KB per chart. */
export const CHART_SCALE = 1.5;

/** An SVG document rasterised to PNG bytes by resvg, on a white background, with the chart fonts only. */
export function svgToPng(svg: string, scale = CHART_SCALE): Buffer {
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: scale },
    font: {
      loadSystemFonts: false,
      fontFiles: [...CHART_FONTS],
      defaultFontFamily: 'Inter',
      sansSerifFamily: 'Inter',
    },
  });
  return resvg.render().asPng();
}

/** A line chart (the trainer's Vega-Lite line chart) as PNG bytes. */
export async function lineChartPng(input: LineChartInput, scale = CHART_SCALE): Promise<Buffer> {
  return svgToPng(await chartSvg(lineChartSpec(input)), scale);
}
