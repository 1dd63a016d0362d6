import { encodePng, type FloatRgbImage, resizeBilinear } from '@mmnet/clevr-data';
import { escapeHtml } from '../report/escape.js';

/** A float RGB image as PNG bytes. */
export function pngBytes(image: FloatRgbImage): Uint8Array {
  const rgb = new Uint8Array(image.data.length);
  for (let i = 0; i < rgb.length; i++) rgb[i] = Math.round(255 * Math.min(1, Math.max(0, image.data[i])));
  return encodePng({ width: image.width, height: image.height, rgb });
}

/** The image at a display width (aspect kept). */
export function displayImage(image: FloatRgbImage, width = 480): FloatRgbImage {
  const height = Math.max(1, Math.round((image.height * width) / image.width));
  return resizeBilinear(image, height, width);
}

/** What the page of one prediction shows. */
export interface PredictionPage {
  image: string;
  question: string;
  answer: string;
  top: { answer: string; probability: number }[];
  /** Where the program came from (e.g. "predicted by the run's program generator"). */
  programSource: string;
  programLines: string[];
  unknownWords: string[];
  /** Step images in execution order. */
  steps: { label: string; file: string }[];
  stepsCaption: string;
}

/** The HTML page: the question, the answer and its top probabilities, the program tree, then the step images. */
export function predictionHtml(page: PredictionPage): string {
  const e = escapeHtml;
  const top = page.top
    .map((t) => `<tr><td>${e(t.answer)}</td><td>${t.probability.toFixed(3)}</td></tr>`)
    .join('');
  const steps = page.steps
    .map(
      (s, i) =>
        `<figure><img src="${e(s.file)}" alt="${e(s.label)}"><figcaption>${i + 1}. ${e(s.label)}</figcaption></figure>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${e(page.question)}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
figure{display:inline-block;margin:0 12px 16px 0;vertical-align:top}figure img{width:320px;display:block}
figcaption{font-family:monospace;font-size:13px}table{border-collapse:collapse}td{padding:2px 12px 2px 0}
pre{background:#f4f4f4;padding:8px}</style></head><body>
<h1>${e(page.question)}</h1>
<p><img src="${e(page.image)}" alt="the image" style="width:480px"></p>
<p>Answer: <b>${e(page.answer)}</b></p>
<table><tr><th>answer</th><th>probability</th></tr>${top}</table>
${page.unknownWords.length ? `<p>Words read as &lt;UNK&gt;: ${e(page.unknownWords.join(', '))}</p>` : ''}
<h2>Program (${e(page.programSource)})</h2>
<pre>${e(page.programLines.join('\n') || '(none)')}</pre>
<h2>Steps</h2>
<p>${e(page.stepsCaption)}</p>
${steps || '<p>(this model shows no steps)</p>'}
</body></html>
`;
}
