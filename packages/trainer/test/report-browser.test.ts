import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chromiumAvailable, chromiumLaunchOptions, PAGE_TIMEOUT_MS } from '../../../test-support/chromium.js';
import { buildReportHtml } from '../src/index.js';
import { reportData } from './fixtures/report-data.js';
import { tempDir } from './helpers.js';

const hasChromium = chromiumAvailable('report-browser.test');

describe.skipIf(!hasChromium)('the HTML report in headless Chromium', () => {
  it('renders its plots, tables and samples', async () => {
    const { chromium } = await import('playwright-core');
    const file = join(tempDir('report'), 'report.html');
    writeFileSync(file, await buildReportHtml(reportData()));
    const browser = await chromium.launch(chromiumLaunchOptions);
    try {
      const page = await browser.newPage();
      page.setDefaultTimeout(PAGE_TIMEOUT_MS);
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`file://${file}`);
      // The inlined Vega runtime redraws the static charts as interactive ones.
      await page.waitForSelector('#loss-plot[data-interactive="true"]');
      await page.waitForSelector('#accuracy-plot[data-interactive="true"]');
      const info = await page.evaluate(() => {
        const box = (sel: string) => {
          const r = document.querySelector(sel)?.getBoundingClientRect();
          return r ? { w: r.width, h: r.height } : null;
        };
        return {
          lossPlot: box('#loss-plot'),
          accuracyPlot: box('#accuracy-plot'),
          lossLines: document.querySelectorAll('#loss-plot .mark-line path').length,
          accuracyLegend: [...document.querySelectorAll('#accuracy-plot .role-legend-label text')].map(
            (t) => t.textContent,
          ),
          accuracyTexts: [...document.querySelectorAll('#accuracy-plot text')].map((t) => t.textContent),
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
      expect(info.lossLines).toBe(2);
      expect(info.accuracyLegend).toEqual(['train accuracy', 'val accuracy']);
      expect(info.accuracyTexts).toContain('answer-type prior');
      expect(info.accuracyTexts).toContain('iteration');
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

      // Interactive: hovering a point of the val curve shows its values; a click on a legend entry dims the other
      // series.
      const point = await page.evaluate(() => {
        const symbols = [...document.querySelectorAll('#accuracy-plot .mark-symbol.role-mark path')];
        const r = symbols[symbols.length - 1].getBoundingClientRect();
        return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
      });
      await page.mouse.move(point.x, point.y);
      await page.waitForSelector('#accuracy-plot [title*="val accuracy"]');
      const tooltip = await page.getAttribute('#accuracy-plot [title]', 'title');
      expect(tooltip).toContain('accuracy: 0.8');
      expect(tooltip).toContain('iteration: 40');
      await page.click('#accuracy-plot .role-legend-label text:text-is("val accuracy")');
      await page.waitForFunction(() =>
        [...document.querySelectorAll('#accuracy-plot .mark-line path')].some(
          (p) => p.getAttribute('stroke-opacity') === '0.15',
        ),
      );
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
