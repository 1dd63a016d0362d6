import { type FloatRgbImage, resizeBilinear } from '@mmnet/clevr-data';
import {
  executionOrder,
  loadWebModel,
  overlayImage,
  type Prediction,
  type Predictor,
  type StepMap,
  type WebModelManifest,
} from '@mmnet/trainer';
import { startBackend } from './backend.js';
import { decodeImage, toImageData } from './decode-image.js';
import { highlightStep, markUnknownWords, renderTree } from './program-view.js';

/** A bundled image (public/images/images.json). */
interface BundledImage {
  file: string;
  title: string;
  credit?: string;
  questions: string[];
}

/** What the page exposes for its browser test and for curious users (in the console: `mmnetDemo`). */
interface DemoState {
  backend?: string;
  ready?: number;
  answers: { question: string; answer: string; program?: string[]; ms: number; at: number }[];
  error?: string;
}
const state: DemoState = { answers: [] };
(window as unknown as { mmnetDemo: DemoState }).mmnetDemo = state;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const canvas = $<HTMLCanvasElement>('canvas');
const DISPLAY_WIDTH = 480;

function showError(message: string | undefined): void {
  const box = $('error');
  box.hidden = !message;
  box.textContent = message ?? '';
  state.error = message;
}

function setStatus(text: string): void {
  $('status').textContent = text;
}

/** Fetches a file next to the page; errors name its address. */
async function fetchBytes(url: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(`${url}: cannot fetch (${error instanceof Error ? error.message : error})`);
  }
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

let predictor: Predictor;
let manifest: WebModelManifest;
/** The current image: as decoded, as shown, and its features (computed once per image). */
let current: { name: string; shown: FloatRgbImage; features: Float32Array } | undefined;
let steps: { token: string; step: number; map?: StepMap }[] = [];
let stepIndex = 0;

function draw(image: FloatRgbImage): void {
  canvas.width = image.width;
  canvas.height = image.height;
  canvas.style.height = `${(DISPLAY_WIDTH * image.height) / image.width}px`;
  canvas.getContext('2d')?.putImageData(toImageData(image), 0, 0);
}

async function useImage(blob: Blob, name: string, credit?: string): Promise<void> {
  showError(undefined);
  const image = await decodeImage(blob, name);
  const started = performance.now();
  const features = predictor.imageFeatures(image);
  const height = Math.max(1, Math.round((image.height * DISPLAY_WIDTH) / image.width));
  current = { name, shown: resizeBilinear(image, height, DISPLAY_WIDTH), features };
  draw(current.shown);
  steps = [];
  updateStepper();
  $('result').hidden = true;
  $('credit').innerHTML = credit ?? '';
  setStatus(
    `${name} (${image.width}x${image.height}): features in ${Math.round(performance.now() - started)} ms`,
  );
}

function showStep(index: number): void {
  if (!current || steps.length === 0) return;
  stepIndex = Math.max(0, Math.min(steps.length - 1, index));
  const { token, step, map } = steps[stepIndex];
  draw(map ? overlayImage(current.shown, map.map, map.shape) : current.shown);
  const note = map
    ? ''
    : token === 'scene'
      ? ' (the whole image)'
      : ' (no map: its output is not over the image)';
  $('step-caption').textContent = `step ${stepIndex + 1}/${steps.length}: ${token}${note}`;
  highlightStep($('tree'), step);
  updateStepper();
}

function updateStepper(): void {
  $<HTMLButtonElement>('prev').disabled = steps.length === 0 || stepIndex === 0;
  $<HTMLButtonElement>('next').disabled = steps.length === 0 || stepIndex >= steps.length - 1;
  if (steps.length === 0) $('step-caption').textContent = '';
}

function ask(question: string): void {
  showError(undefined);
  $('unknown').hidden = true;
  if (!current) {
    showError('Choose an image first.');
    return;
  }
  if (!question.trim()) {
    showError('Type a question first.');
    return;
  }
  const started = performance.now();
  let prediction: Prediction;
  try {
    [prediction] = predictor.answer([{ features: current.features, question }], { capture: true });
  } catch (error) {
    $('result').hidden = true;
    showError(error instanceof Error ? error.message : String(error));
    return;
  }
  const ms = performance.now() - started;
  $('answer').textContent = prediction.answer;
  $('timing').textContent = `(${ms.toFixed(0)} ms)`;
  const top = $<HTMLTableElement>('top');
  top.replaceChildren(
    ...prediction.top.map((t) => {
      const row = document.createElement('tr');
      row.innerHTML = `<td></td><td>${(100 * t.probability).toFixed(1)} %</td><td><span class="bar" style="width:${Math.round(120 * t.probability)}px"></span></td>`;
      row.cells[0].textContent = t.answer;
      return row;
    }),
  );
  if (prediction.unknownWords.length) {
    const unknown = $('unknown');
    unknown.replaceChildren(
      `Not in the model's vocabulary (read as <UNK>): ${prediction.unknownWords.join(', ')} in "`,
      markUnknownWords(question, prediction.unknownWords),
      '"',
    );
    unknown.hidden = false;
  }
  const tree = $('tree');
  $('program-source').textContent =
    prediction.programSource === 'predicted' ? "(predicted by the run's program generator)" : '';
  tree.replaceChildren();
  steps = [];
  if (prediction.tree) {
    const maps = new Map((prediction.steps ?? []).map((s) => [s.step, s]));
    steps = executionOrder(prediction.tree).map((n) => ({
      token: n.token,
      step: n.step,
      map: maps.get(n.step),
    }));
    tree.append(renderTree(prediction.tree, (step) => showStep(steps.findIndex((s) => s.step === step))));
  } else tree.textContent = `(${predictor.model.name} answers without a program)`;
  $('result').hidden = false;
  state.answers.push({
    question,
    answer: prediction.answer,
    program: prediction.program,
    ms,
    at: performance.now(),
  });
  showStep(0);
}

function showSuggestions(questions: readonly string[]): void {
  $('suggestions').replaceChildren(
    ...questions.map((q) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = q;
      b.addEventListener('click', () => {
        $<HTMLInputElement>('question').value = q;
        ask(q);
      });
      return b;
    }),
  );
}

async function selectBundled(image: BundledImage, base: string, button: HTMLButtonElement): Promise<void> {
  for (const b of $('gallery').querySelectorAll('button'))
    b.setAttribute('aria-pressed', String(b === button));
  await useImage(await (await fetch(`${base}${image.file}`)).blob(), image.file, image.credit);
  showSuggestions(image.questions.length ? image.questions : (manifest.questions ?? []));
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  setStatus('Starting tfjs…');
  const backend = await startBackend(location.search);
  const pill = $('backend');
  const failed = backend.attempts.filter((a) => !a.ok);
  pill.textContent = `backend: ${backend.name}${failed.length ? ` (no ${failed.map((a) => a.name).join(', ')})` : ''}`;
  pill.title = backend.attempts.map((a) => `${a.name}: ${a.reason}`).join('\n');
  state.backend = backend.name;
  setStatus('Loading the model…');
  const modelBase = params.get('model') ?? './model/';
  const loaded = await loadWebModel((name) =>
    fetchBytes(new URL(name, new URL(modelBase, location.href)).href),
  );
  predictor = loaded.predictor;
  manifest = loaded.manifest;
  $('model-info').textContent =
    `Model: ${manifest.model} (${predictor.model.store.countWeights().toLocaleString('en')} weights) exported from ${manifest.source.checkpoint}${manifest.source.step !== undefined ? ` at step ${manifest.source.step}` : ''}; features [${manifest.featureShape}] from ${manifest.imageWidth}x${manifest.imageHeight} images.`;
  const imagesBase = './images/';
  const images = JSON.parse(
    new TextDecoder().decode(await fetchBytes(`${imagesBase}images.json`)),
  ) as BundledImage[];
  const gallery = $('gallery');
  for (const image of images) {
    const button = document.createElement('button');
    button.type = 'button';
    button.title = image.title;
    button.dataset.file = image.file;
    button.innerHTML = `<img alt="">`;
    (button.firstChild as HTMLImageElement).src = `${imagesBase}${image.file}`;
    (button.firstChild as HTMLImageElement).alt = image.title;
    button.addEventListener('click', () =>
      selectBundled(image, imagesBase, button).catch((e) => showError(String(e.message ?? e))),
    );
    gallery.append(button);
  }
  if (images.length)
    await selectBundled(images[0], imagesBase, gallery.querySelector('button') as HTMLButtonElement);
  $<HTMLButtonElement>('ask-button').disabled = false;
  $('ask').addEventListener('submit', (event) => {
    event.preventDefault();
    ask($<HTMLInputElement>('question').value);
  });
  $('prev').addEventListener('click', () => showStep(stepIndex - 1));
  $('next').addEventListener('click', () => showStep(stepIndex + 1));
  const file = $<HTMLInputElement>('file');
  const takeFile = (f: File | undefined) => {
    if (!f) return;
    for (const b of gallery.querySelectorAll('button')) b.setAttribute('aria-pressed', 'false');
    useImage(f, f.name).then(
      () => showSuggestions(manifest.questions ?? images.flatMap((i) => i.questions).slice(0, 6)),
      (e) => showError(e instanceof Error ? e.message : String(e)),
    );
  };
  file.addEventListener('change', () => takeFile(file.files?.[0]));
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    takeFile(e.dataTransfer?.files[0]);
  });
  state.ready = performance.now();
  document.body.dataset.ready = 'true';
}

main().catch((error) => {
  setStatus('Could not start.');
  showError(error instanceof Error ? error.message : String(error));
});
