/**
 * Renders 16 generated scenes into one 4x4 PNG contact sheet.
 *
 *   npx tsx scripts/contact-sheet.ts [out.png] [--seed N] [--width W] [--height H] [--split NAME]
 *
 * Defaults: contact-sheet.png in the current folder, seed 0, 480x320 cells, split "synthetic".
 */
import { resolve } from 'node:path';
import { writePngFile } from '@mmnet/clevr-data';
import { generateScene, renderScene, scaledMinPixels } from '../src/index.js';

function parseArgs(argv: string[]): {
  out: string;
  seed: number;
  width: number;
  height: number;
  split: string;
} {
  const opts = { out: 'contact-sheet.png', seed: 0, width: 480, height: 320, split: 'synthetic' };
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    const next = (): string => {
      const v = argv[++k];
      if (v === undefined) throw new Error(`contact-sheet: ${a} needs a value`);
      return v;
    };
    const int = (name: string, v: string): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0)
        throw new Error(`contact-sheet: ${name} must be a non-negative integer, got "${v}"`);
      return n;
    };
    if (a === '--seed') opts.seed = int('--seed', next());
    else if (a === '--width') opts.width = int('--width', next());
    else if (a === '--height') opts.height = int('--height', next());
    else if (a === '--split') opts.split = next();
    else if (a.startsWith('--')) throw new Error(`contact-sheet: unknown option ${a}`);
    else opts.out = a;
  }
  return opts;
}

const { out, seed, width, height, split } = parseArgs(process.argv.slice(2));
const cols = 4;
const rows = 4;
const sheet = new Uint8Array(cols * width * rows * height * 3);
const started = performance.now();
let renderMs = 0;
for (let index = 0; index < cols * rows; index++) {
  const { synthetic, json } = generateScene({
    seed,
    index,
    split,
    sampler: {
      visibilityWidth: Math.min(width, 480),
      visibilityHeight: Math.min(height, 320),
      minPixelsPerObject: scaledMinPixels(Math.min(width, 480), Math.min(height, 320)),
    },
  });
  const t0 = performance.now();
  const image = renderScene(synthetic, { width, height });
  renderMs += performance.now() - t0;
  const cx = (index % cols) * width;
  const cy = Math.floor(index / cols) * height;
  for (let y = 0; y < height; y++) {
    const src = y * width * 3;
    const dst = ((cy + y) * cols * width + cx) * 3;
    sheet.set(image.rgb.subarray(src, src + width * 3), dst);
  }
  const objects = json.objects.map((o) => `${o.size} ${o.color} ${o.material} ${o.shape}`).join(', ');
  console.error(`${json.image_filename}: ${objects}`);
}
const path = resolve(out);
writePngFile(path, { width: cols * width, height: rows * height, rgb: sheet });
console.log(
  JSON.stringify({
    out: path,
    images: cols * rows,
    cell: `${width}x${height}`,
    renderMsPerImage: +(renderMs / (cols * rows)).toFixed(1),
    totalMs: Math.round(performance.now() - started),
  }),
);
