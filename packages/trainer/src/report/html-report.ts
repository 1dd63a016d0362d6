import { questionFamilyName } from '../data/question-families.js';
import type { MetricsRecord } from '../metrics/jsonl.js';
import type { EvalResult, Tally } from '../training/evaluate.js';
import { chartSvg, compileChart, vegaRuntime } from './chart-svg.js';
import { escapeHtml } from './escape.js';
import { attentionOverlay, imageDefinition, matrixHeatmap } from './heatmap.js';
import { type LineChartInput, lineChartSpec, smooth } from './line-chart.js';

export interface ReportData {
  title: string;
  model: string;
  config: Record<string, unknown>;
  backend: string;
  weights: number;
  step: number;
  totalSteps: number;
  /** Answer-type prior on the validation questions. */
  prior: number;
  /** Always the single most common answer. */
  majority: number;
  bestValAccuracy?: number;
  history: MetricsRecord[];
  evaluation?: EvalResult;
  /** A data URI (or relative path) of the validation image with this index, when available. */
  imageFor?: (imageIndex: number) => string | undefined;
  /** Labels of the memory slots in addressing maps. */
  addressingLabels?: string[];
  /** What one attention map of a sample is ('hop' for SAN, 'step' for PG_endtoend's stack executor). */
  attentionLabel?: string;
}

const pct = (v: number | undefined) =>
  v === undefined || !Number.isFinite(v) ? '—' : `${(100 * v).toFixed(1)} %`;

function tallyTable(id: string, heading: string, rows: [string, Tally][]): string {
  const body = rows
    .map(
      ([k, t]) =>
        `<tr><td>${escapeHtml(k)}</td><td class="num">${t.total}</td><td class="num">${t.correct}</td><td class="num">${pct(t.total ? t.correct / t.total : undefined)}</td></tr>`,
    )
    .join('');
  return `<table id="${id}"><thead><tr><th>${escapeHtml(heading)}</th><th>questions</th><th>correct</th><th>accuracy</th></tr></thead><tbody>${body}</tbody></table>`;
}

function sampleCard(data: ReportData, s: EvalResult['samples'][number], index: number): string {
  const uri = data.imageFor?.(s.imageIndex);
  const img = uri
    ? `<img class="sample-image" src="${uri}" alt="validation image ${s.imageIndex}" width="240">`
    : `<div class="no-image">image ${s.imageIndex}</div>`;
  const program = s.program
    ? `<div class="program"><b>program</b> <code>${escapeHtml(s.program.join(' '))}</code></div>`
    : '';
  const predicted = s.predictedProgram
    ? `<div class="program"><b>predicted program</b> <code>${escapeHtml(s.predictedProgram.join(' '))}</code></div>`
    : '';
  const attention = s.attention
    ? `<div class="attention-row">${s.attention.map((m, h) => attentionOverlay(m, uri, `${data.attentionLabel ?? 'hop'} ${h + 1}`)).join('')}</div>`
    : '';
  // The image once per card, referenced by every step's overlay.
  const ref = `sample-image-${index}`;
  const steps = s.steps
    ? `<div class="attention-row">${uri ? imageDefinition(ref, uri) : ''}${s.steps.map((st, k) => attentionOverlay(st.map, uri ? `#${ref}` : undefined, `${k + 1}. ${st.token}`)).join('')}</div>`
    : '';
  const addressing = s.addressing
    ? matrixHeatmap(
        s.addressing,
        s.addressing.map((_, i) => `step ${i + 1}`),
        data.addressingLabels ?? [],
        'memory addressing per program step',
      )
    : '';
  return `<div class="sample ${s.correct ? 'right' : 'wrong'}" data-sample="${index}">${img}
<div class="question">${escapeHtml(s.question)}</div>
<div class="answers"><span class="predicted">predicted: <b>${escapeHtml(s.predicted)}</b></span> <span class="truth">true: <b>${escapeHtml(s.answer)}</b></span> ${s.correct ? '✔' : '✘'}</div>
${program}${predicted}${attention}${steps}${addressing}</div>`;
}

/** The report's two learning-curve charts (loss, accuracy) by the id of the element that holds each. */
function learningCurves(data: ReportData): Record<string, LineChartInput> {
  const train = data.history.filter((r) => r.kind === 'train');
  const val = data.history.filter((r) => r.kind === 'val');
  const curve = (records: MetricsRecord[], key: string, thin: boolean) => {
    const points = records.map((r): [number, number] => [r.step, Number(r[key])]);
    return (thin ? smooth(points) : points).map(([x, y]) => ({ x, y }));
  };
  const common = { xTitle: 'iteration', markers: false, width: 460, height: 240 };
  return {
    'loss-plot': {
      ...common,
      title: 'Loss',
      yTitle: 'loss',
      series: [
        { label: 'train loss', points: curve(train, 'loss', true) },
        { label: 'val loss', points: curve(val, 'loss', false) },
      ],
    },
    'accuracy-plot': {
      ...common,
      title: 'Accuracy',
      yTitle: 'accuracy',
      yDomain: [0, 1],
      series: [
        { label: 'train accuracy', points: curve(train, 'accuracy', true) },
        { label: 'val accuracy', points: curve(val, 'accuracy', false) },
      ],
      references: [{ label: 'answer-type prior', y: data.prior }],
    },
  };
}

/**
 * Draws each chart into its element with the inlined Vega runtime (tooltips, legend selection, zoom), replacing
 * the static SVG drawn in Node only once the interactive one is ready; `data-interactive` marks the charts done.
 */
const CHART_SCRIPT = `for (const [id, spec] of Object.entries(MMNET_CHARTS)) {
  const holder = document.getElementById(id);
  const box = document.createElement('div');
  new vega.View(vega.parse(spec), { renderer: 'svg', container: box, hover: true })
    .runAsync()
    .then(() => { holder.replaceChildren(box); holder.dataset.interactive = 'true'; })
    .catch((error) => console.error(id, error));
}`;

/**
 * The training report: one self-contained HTML page (inline CSS, SVG and images, no server, no network). The
 * learning curves are drawn by Vega in Node as static SVG, and again in the browser by the inlined Vega runtime,
 * where they become interactive.
 */
export async function buildReportHtml(data: ReportData): Promise<string> {
  const charts = Object.entries(learningCurves(data));
  // The static SVG (what shows without script) leaves out the invisible points that carry the tooltips.
  const plots = await Promise.all(
    charts.map(
      async ([id, chart]) =>
        `<figure class="plot" id="${id}">${await chartSvg(lineChartSpec({ ...chart, interactive: false }))}</figure>`,
    ),
  );
  const compiled = Object.fromEntries(
    await Promise.all(
      charts.map(async ([id, chart]) => [id, await compileChart(lineChartSpec(chart))] as const),
    ),
  );
  // JSON with `<` escaped can sit in a script element whatever its strings hold.
  const chartData = JSON.stringify(compiled).replace(/</g, '\\u003c');
  const ev = data.evaluation;
  const perKind = ev
    ? tallyTable('per-kind', 'answer kind', Object.entries(ev.perKind) as [string, Tally][])
    : '';
  const perFamily = ev
    ? tallyTable(
        'per-family',
        'question family (template)',
        Object.entries(ev.perFamily)
          .sort((a, b) => Number(a[0]) - Number(b[0]))
          .map(([f, t]) => [questionFamilyName(Number(f)), t]),
      )
    : '';
  const samples = ev ? ev.samples.map((s, i) => sampleCard(data, s, i)).join('\n') : '';
  const configRows = Object.entries(data.config)
    .map(
      ([k, v]) =>
        `<tr><td>${escapeHtml(k)}</td><td><code>${escapeHtml(JSON.stringify(v) ?? '')}</code></td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(data.title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;font-size:13px}td.num{text-align:right}
.summary td:first-child{font-weight:600}
.plots{display:flex;flex-wrap:wrap;gap:16px}.plot{background:#fff;border:1px solid #eee;margin:0;padding:4px}
.tick{font-size:11px;fill:#555}.small{font-size:9px}
.samples{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:12px}
.sample{border:1px solid #ddd;border-radius:6px;padding:8px;font-size:13px}.sample.right{border-left:5px solid #2ca02c}.sample.wrong{border-left:5px solid #d62728}
.sample-image{max-width:100%}.no-image{background:#eee;height:60px;display:flex;align-items:center;justify-content:center}
.question{margin:6px 0;font-weight:600}.program code{font-size:11px;word-break:break-all}
.attention-row{display:flex;flex-wrap:wrap;gap:4px}figure{margin:4px}figcaption{font-size:11px;color:#555}
</style></head><body>
<h1>${escapeHtml(data.title)}</h1>
<table class="summary" id="summary">
<tr><td>model</td><td>${escapeHtml(data.model)} (${data.weights.toLocaleString('en-US')} weights, ${escapeHtml(data.backend)} backend)</td></tr>
<tr><td>iterations</td><td id="steps">${data.step} / ${data.totalSteps}</td></tr>
<tr><td>validation accuracy</td><td id="val-accuracy">${pct(ev?.accuracy)}${ev ? ` on ${ev.count} questions` : ''}</td></tr>
<tr><td>best validation accuracy</td><td id="best-accuracy">${pct(data.bestValAccuracy)}</td></tr>
<tr><td>answer-type prior</td><td id="prior">${pct(data.prior)} (always the most common answer of each kind of answer; a single most common answer: ${pct(data.majority)})</td></tr>
${ev?.programExactMatch !== undefined ? `<tr><td>program exact match</td><td id="program-match">${pct(ev.programExactMatch)}</td></tr>` : ''}
</table>
<h2>Learning curves</h2>
<div class="plots">${plots.join('')}</div>
<h2>Accuracy per kind of answer</h2>
${perKind || '<p>no validation yet</p>'}
<h2>Accuracy per question family</h2>
${perFamily || '<p>no question families in the data</p>'}
<h2>Validation samples</h2>
<div class="samples" id="samples">
${samples}
</div>
<h2>Configuration</h2>
<table id="config">${configRows}</table>
<script>${vegaRuntime()}</script>
<script>const MMNET_CHARTS = ${chartData};
${CHART_SCRIPT}</script>
</body></html>
`;
}
