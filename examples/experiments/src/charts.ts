import type { LineChartInput } from '@mmnet/trainer';
import { ABLATION_BASE, type ExperimentGroup } from './plan.js';
import type { ResultRow, Results } from './results.js';

/** A chart to write: file name in the results folder, title, and its spec. */
export interface ChartFile {
  file: string;
  title: string;
  spec: LineChartInput;
}

const GROUP_FILES: Record<ExperimentGroup, string> = {
  baselines: 'curves-baselines.png',
  'end-to-end': 'curves-end-to-end.png',
  'weak supervision': 'curves-weak-supervision.png',
  'end-to-end fine-tuning': 'curves-end-to-end-fine-tuning.png',
  ablations: 'curves-ablations.png',
};

/** Size of a results chart's plotting area in pixels (before the PNG's scale); PNGs are not interactive. */
const SIZE = { width: 640, height: 340, interactive: false };

/** Every file name `resultCharts` may write: a results folder's charts are these, when their rows exist. */
export const CHART_FILES: readonly string[] = [...Object.values(GROUP_FILES), 'weak-supervision.png'];

/**
 * The charts of a results object: validation accuracy against training questions seen, one chart per group
 * of models (the ablations' with the row they vary); and for weak supervision, final accuracy against the fraction of programs (one line per decoder
 * mode), with the answer-type prior as a reference line.
 */
export function resultCharts(results: Results): ChartFile[] {
  const charts: ChartFile[] = [];
  const prior = [{ label: 'answer-type prior', y: results.prior.accuracy }];
  for (const [group, file] of Object.entries(GROUP_FILES)) {
    const members = results.rows.filter((r) => r.group === group && r.curve.length);
    if (!members.length) continue;
    // The ablations' chart also draws the row they take a change away from.
    const base =
      group === 'ablations' ? results.rows.filter((r) => r.id === ABLATION_BASE && r.curve.length) : [];
    const rows = [...base, ...members];
    const title = `Learning curves: ${group}`;
    charts.push({
      file,
      title,
      spec: {
        title,
        ...SIZE,
        xTitle: 'training questions seen',
        yTitle: 'val accuracy',
        xFormat: 'count',
        series: rows.map((r) => ({
          label: r.label,
          points: r.curve.map((p) => ({ x: p.questions, y: p.accuracy })),
        })),
        references: prior,
      },
    });
  }
  const weak = results.rows.filter((r) => r.supervisionFraction !== undefined);
  if (weak.length) {
    // One series per decoder mode, and per budget when the rows had different ones (a line joins like runs only).
    const budgets = new Set(weak.map((r) => r.budgetHours));
    const seriesOf = (r: ResultRow) =>
      `PG_endtoend ${r.decoderMode ?? '?'}${budgets.size > 1 ? `, ${r.budgetHours} h` : ''}`;
    const labels = [...new Set(weak.map(seriesOf))];
    const title = `Weak supervision: ${results.dataset.finalSplit} accuracy`;
    charts.push({
      file: 'weak-supervision.png',
      title: 'Weak supervision',
      spec: {
        title,
        ...SIZE,
        xTitle: 'fraction of training questions with a program (log scale)',
        yTitle: `${results.dataset.finalSplit} accuracy`,
        xScale: 'log',
        xFormat: 'percent',
        series: labels.map((label) => ({
          label,
          points: weak
            .filter((r) => seriesOf(r) === label)
            .map((r) => ({ x: r.supervisionFraction!, y: r.accuracy })),
        })),
        references: prior,
      },
    });
  }
  return charts;
}
