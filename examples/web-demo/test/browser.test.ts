import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPreset } from '@mmnet/clevr-synth';
import { initBackend } from '@mmnet/core-tensors';
import { runCli } from '@mmnet/trainer';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, chromiumLaunchOptions, PAGE_TIMEOUT_MS } from '../../../test-support/chromium.js';
import { captureIo } from '../../../test-support/cli-io.js';
import { serveStatic } from '../scripts/static-server.js';

const hasChromium = chromiumAvailable('web-demo browser.test');

const demo = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(demo, 'dist');
const images = join(demo, 'public', 'images');
/** Screenshots and the measured timings (not committed). */
const output = join(demo, 'test-output');

async function cli(argv: string[]): Promise<string[]> {
  const io = captureIo();
  const code = await runCli(argv, io);
  if (code !== 0) throw new Error(`mmnet ${argv.join(' ')}: exit ${code}\n${io.lines.join('\n')}`);
  return io.lines;
}

interface DemoAnswer {
  question: string;
  answer: string;
  program?: string[];
  ms: number;
  at: number;
}

/** Asks a question in the page (typed, then Ask) and returns what it answered. */
async function ask(page: Page, question: string): Promise<DemoAnswer & { top: string[] }> {
  const before = await page.evaluate(
    () => (window as unknown as { mmnetDemo: { answers: unknown[] } }).mmnetDemo.answers.length,
  );
  await page.fill('#question', question);
  await page.click('#ask-button');
  await page.waitForFunction(
    (n) => (window as unknown as { mmnetDemo: { answers: unknown[] } }).mmnetDemo.answers.length > n,
    before,
  );
  const answer = await page.evaluate(
    () =>
      (window as unknown as { mmnetDemo: { answers: DemoAnswer[] } }).mmnetDemo.answers.at(-1) as DemoAnswer,
  );
  const top = await page.$$eval('#top tr', (rows) =>
    rows.map((r) => (r as HTMLTableRowElement).cells[0].textContent ?? ''),
  );
  return { ...answer, top };
}

async function pickImage(page: Page, file: string): Promise<void> {
  await page.click(`#gallery button[data-file="${file}"]`);
  await page.waitForFunction((f) => document.getElementById('status')?.textContent?.startsWith(f), file);
}

describe.skipIf(!hasChromium)('the web demo in headless Chromium', () => {
  let browser: Browser;
  let server: Server;
  let url: string;
  let run: string;

  beforeAll(async () => {
    if (!existsSync(join(dist, 'index.html')))
      throw new Error(
        `${dist}: no built page; build it first (pnpm turbo run build --filter=@mmnet/example-web-demo)`,
      );
    mkdirSync(output, { recursive: true });
    await initBackend({ prefer: 'wasm', log: null });
    // A tiny PG run with its program generator on clevr-micro, exported for the web: the page must answer with
    // it exactly as `mmnet predict` does with the run.
    const base = mkdtempSync(join(tmpdir(), 'mmnet-web-demo-'));
    const data = join(base, 'clevr-micro');
    await buildPreset('clevr-micro', data);
    const config = join(base, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        model_config: {
          modules: 'attention',
          coordinates: true,
          programGenerator: { encoderWordvecDim: 16, decoderWordvecDim: 16, hiddenDim: 32, numLayers: 1 },
        },
      }),
    );
    run = join(base, 'run');
    await cli([
      'train',
      '--model=PG',
      `--clevr_dataset=${data}`,
      `--config=${config}`,
      '--stem-dim=8',
      '--batch_size=16',
      '--max_iterations=3',
      '--num_iterations=3',
      '--num_val_samples=10',
      '--backend=wasm',
      `--out=${run}`,
    ]);
    await cli(['export', '--web', run, join(base, 'export')]);
    ({ server, url } = await serveStatic({ '/': dist, '/test-model/': join(base, 'export') }));
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch(chromiumLaunchOptions);
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  it('answers 5 questions about the bundled images as mmnet predict does with the same run', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
    page.setDefaultTimeout(PAGE_TIMEOUT_MS);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${url}?model=/test-model/`);
    await page.waitForSelector('body[data-ready="true"]');
    const asked: [string, string][] = [
      ['scene-0.png', 'What is the number of other objects that share the color of the tiny cube?'],
      ['scene-1.png', 'Does any other thing have the same color as the little rubber object?'],
      ['scene-2.png', 'The little red thing is made of which material?'],
      ['scene-3.png', 'Does any other thing have the same shape as the large green rubber thing?'],
      ['CLEVR_val_000013.png', 'How many cubes are there?'],
    ];
    for (const [i, [file, question]] of asked.entries()) {
      await pickImage(page, file);
      const inPage = await ask(page, question);
      await page.screenshot({ path: join(output, `answer-${i + 1}.png`) });
      const lines = await cli([
        'predict',
        '--run',
        run,
        '--image',
        join(images, file),
        '--question',
        question,
        '--backend',
        'wasm',
      ]);
      const answer = lines.find((l) => l.startsWith('answer: '))?.slice('answer: '.length);
      const top = lines
        .find((l) => l.startsWith('top '))
        ?.replace(/^top \d+: /, '')
        .split(', ')
        .map((t) => t.replace(/ [\d.]+$/, ''));
      expect(inPage.answer, `${file}: ${question}`).toBe(answer);
      expect(inPage.top, `${file}: ${question}`).toEqual(top);
      expect(inPage.program?.length).toBeGreaterThan(0);
    }
    expect(errors).toEqual([]);
  });

  it('runs the bundled model, steps through the program and shows the errors a user can cause', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
    page.setDefaultTimeout(PAGE_TIMEOUT_MS);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]');
    const backend = await page.textContent('#backend');
    expect(backend).toMatch(/^backend: (webgl|wasm)/);
    const answers: DemoAnswer[] = [];
    for (const question of [
      'What is the number of other objects that share the color of the tiny cube?',
      'Does any other thing have the same size as the cyan matte thing?',
      'Which shape does the tiny green thing with the same material as the purple cube have?',
      'How many other little gray rubber things have the same shape as the small gray thing?',
      'What color is the large sphere?',
    ])
      answers.push(await ask(page, question));
    expect(await page.isVisible('#result')).toBe(true);
    // Stepping: each step highlights its node of the tree.
    const steps = await page.$$eval('#tree button', (b) => b.length);
    expect(steps).toBeGreaterThan(0);
    await page.click('#next');
    const caption = await page.textContent('#step-caption');
    expect(caption).toMatch(/^step 2\//);
    expect(await page.$$eval('#tree button.current', (b) => b.length)).toBe(1);
    await page.screenshot({ path: join(output, 'bundled-model.png') });
    writeFileSync(
      join(output, 'timings.json'),
      `${JSON.stringify({ backend, firstAnswerAfterLoadMs: answers[0].at, answerMs: answers.map((a) => a.ms) }, null, 1)}\n`,
    );
    // A word the model does not know is shown and highlighted; a question of none is a visible error.
    await ask(page, 'Is there a zorblax cube?');
    expect(await page.textContent('#unknown mark')).toBe('zorblax');
    await page.fill('#question', 'zorblax florp quux');
    await page.click('#ask-button');
    await page.waitForSelector('#error:not([hidden])');
    expect(await page.textContent('#error')).toMatch(/no word of the question "zorblax florp quux"/);
    // A file that is not an image.
    await page.setInputFiles('#file', {
      name: 'notes.png',
      mimeType: 'image/png',
      buffer: Buffer.from('not a png'),
    });
    await page.waitForFunction(() => document.getElementById('error')?.textContent?.includes('notes.png'));
    expect(await page.textContent('#error')).toMatch(/^notes\.png is not an image the browser can read/);
    await page.screenshot({ path: join(output, 'not-an-image.png') });
    expect(errors).toEqual([]);
  });

  it('falls back to wasm without WebGL and says so', async () => {
    const context = await browser.newContext();
    // No WebGL context for the page: as in a browser without WebGL.
    await context.addInitScript(() => {
      for (const proto of [HTMLCanvasElement.prototype, OffscreenCanvas.prototype]) {
        const original = proto.getContext as (...a: unknown[]) => unknown;
        (proto as unknown as { getContext: unknown }).getContext = function (
          this: unknown,
          kind: string,
          ...rest: unknown[]
        ) {
          return kind.includes('webgl') ? null : original.call(this, kind, ...rest);
        };
      }
    });
    const page = await context.newPage();
    page.setDefaultTimeout(PAGE_TIMEOUT_MS);
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.textContent('#backend')).toMatch(/^backend: wasm \(no webgl\)/);
    await context.close();
  });
});
