import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng } from '@mmnet/clevr-data';
import { describe, expect, it } from 'vitest';
import { buildReportHtml, type MetricsRecord } from '../src/index.js';
import { drawImage } from './fixtures/tiny-dataset.js';
import { tempDir } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(`report-browser.test: SKIPPED — ${CHROMIUM} is absent (apt-get install -y chromium)`);

function reportFixture(): string {
  const history: MetricsRecord[] = [];
  for (let step = 1; step <= 40; step++)
    history.push({ kind: 'train', step, epoch: 1, loss: 2 / step, accuracy: Math.min(1, step / 40) });
  for (const step of [20, 40])
    history.push({ kind: 'val', step, epoch: 1, loss: 1 / step, accuracy: step / 50 });
  const png = `data:image/png;base64,${encodePng(drawImage(Array.from({ length: 16 }, (_, i) => (i % 5 ? null : 'red')))).toString('base64')}`;
  const attention = [Array.from({ length: 4 }, (_, y) => Array.from({ length: 4 }, (_, x) => (x + y) / 6))];
  return buildReportHtml({
    title: 'mmnet TEST — tiny',
    model: 'TEST',
    config: { model: 'TEST', lr: 0.01 },
    backend: 'wasm',
    weights: 1234,
    step: 40,
    totalSteps: 40,
    prior: 0.41,
    majority: 0.3,
    bestValAccuracy: 0.8,
    history,
    evaluation: {
      count: 10,
      loss: 0.5,
      accuracy: 0.8,
      perKind: { 'yes/no': { correct: 5, total: 6 }, count: { correct: 3, total: 4 } },
      perFamily: { '0': { correct: 5, total: 6 }, '1': { correct: 3, total: 4 } },
      samples: [
        {
          questionIndex: 0,
          imageIndex: 0,
          question: 'Is there a red thing',
          answer: 'yes',
          predicted: 'yes',
          correct: true,
          program: ['exist', 'filter_color[red]', 'scene'],
          attention,
          steps: [
            { token: 'filter_color[red]', map: attention[0] },
            { token: 'exist', map: attention[0] },
          ],
        },
        {
          questionIndex: 1,
          imageIndex: 1,
          question: 'How many <blue> things',
          answer: '2',
          predicted: '1',
          correct: false,
          addressing: [
            [1, 0, 0],
            [0, 0.5, 0.5],
          ],
        },
      ],
    },
    imageFor: (i) => (i === 0 ? png : undefined),
    addressingLabels: ['scene', 'exist', 'count'],
  });
}

describe.skipIf(!hasChromium)('the HTML report in headless Chromium', () => {
  it('renders its plots, tables and samples', async () => {
    const { chromium } = await import('playwright-core');
    const file = join(tempDir('report'), 'report.html');
    writeFileSync(file, reportFixture());
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`file://${file}`);
      const info = await page.evaluate(() => {
        const box = (sel: string) => {
          const r = document.querySelector(sel)?.getBoundingClientRect();
          return r ? { w: r.width, h: r.height } : null;
        };
        return {
          lossPlot: box('#loss-plot'),
          accuracyPlot: box('#accuracy-plot'),
          lossSeries: document.querySelectorAll('#loss-plot path.series').length,
          accuracySeries: [...document.querySelectorAll('#accuracy-plot path.series')].map((p) =>
            p.getAttribute('data-series'),
          ),
          kindRows: [...document.querySelectorAll('#per-kind tbody tr')].map((r) => r.textContent),
          familyRows: document.querySelectorAll('#per-family tbody tr').length,
          familyName: document.querySelector('#per-family tbody tr td')?.textContent,
          // Step overlays reference the card's image defined once: the reference resolves to the drawn image.
          stepImageWidth: (
            document.querySelector('.attention-map use') as SVGGraphicsElement | null
          )?.getBBox().width,
          stepLabels: [...document.querySelectorAll('.attention figcaption')].map((c) => c.textContent),
          prior: document.querySelector('#prior')?.textContent,
          valAccuracy: document.querySelector('#val-accuracy')?.textContent,
          samples: document.querySelectorAll('#samples .sample').length,
          imageLoaded: (document.querySelector('.sample-image') as HTMLImageElement | null)?.naturalWidth,
          attentionMaps: document.querySelectorAll('.attention-map').length,
          addressingCells: document.querySelectorAll('.addressing-map rect').length,
          escaped: document.querySelectorAll('.sample .question')[1]?.textContent,
        };
      });
      expect(errors).toEqual([]);
      expect(info.lossPlot!.w).toBeGreaterThan(100);
      expect(info.accuracyPlot!.h).toBeGreaterThan(100);
      expect(info.lossSeries).toBe(2);
      expect(info.accuracySeries).toEqual(['train accuracy', 'val accuracy', 'answer-type prior']);
      expect(info.kindRows[0]).toContain('yes/no');
      expect(info.kindRows[0]).toContain('83.3 %');
      expect(info.familyRows).toBe(2);
      expect(info.prior).toContain('41.0 %');
      expect(info.valAccuracy).toContain('80.0 %');
      expect(info.samples).toBe(2);
      expect(info.imageLoaded).toBe(16);
      expect(info.attentionMaps).toBe(3);
      expect(info.stepLabels).toEqual(['hop 1', '1. filter_color[red]', '2. exist']);
      expect(info.stepImageWidth).toBe(180);
      expect(info.familyName).toMatch(/^[a-z_]+ #\d+: /);
      expect(info.addressingCells).toBe(6);
      expect(info.escaped).toBe('How many <blue> things');
    } finally {
      await browser.close();
    }
  });
});
