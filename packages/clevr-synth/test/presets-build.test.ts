import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { FeaturesH5Reader, readQuestionsH5 } from '@mmnet/clevr-data';
import { initBackend } from '@mmnet/core-tensors';
import { vocabFromJson } from '@mmnet/programs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMmnetData } from '../src/cli/main.js';
import { buildPreset, getPreset, PRESETS, type PresetFiles, presetNames } from '../src/index.js';

let root: string;
let first: PresetFiles;
const phases = new Set<string>();

beforeAll(async () => {
  await initBackend({ prefer: 'wasm', log: null });
  root = mkdtempSync(join(tmpdir(), 'mmnet-preset-'));
  first = await buildPreset('clevr-micro', join(root, 'a'), { onProgress: (p) => phases.add(p.phase) });
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Every file under `dir` (relative paths) with its bytes, except HDF5 files (their headers hold times). */
function jsonAndPngFiles(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const name of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, name.name);
      if (name.isDirectory()) walk(p);
      else if (/\.(json|png)$/.test(name.name)) out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

describe('dataset presets', () => {
  it('lists clevr-medium, clevr-micro, clevr-mini and clevr-small and refuses unknown names', () => {
    expect(presetNames()).toEqual(['clevr-medium', 'clevr-micro', 'clevr-mini', 'clevr-small']);
    const mini = getPreset('clevr-mini');
    expect(mini.splits).toEqual([
      { split: 'train', images: 2000, seed: 20240601, questionsPerImage: 40 },
      { split: 'val', images: 400, seed: 20240611, questionsPerImage: 10 },
    ]);
    expect([mini.width, mini.height]).toEqual([480, 320]);
    expect(() => getPreset('clevr-huge')).toThrow(
      /unknown dataset preset "clevr-huge" \(presets: clevr-medium, clevr-micro, clevr-mini, clevr-small\)/,
    );
  });

  it('builds clevr-micro end to end in the official layout with questions and features files', async () => {
    const micro = PRESETS['clevr-micro'];
    const dir = join(root, 'a');
    expect(first.ranSteps).toEqual([
      'generate:train',
      'generate:val',
      'vocab',
      'questions-h5:train',
      'questions-h5:val',
      'features:train',
      'features:val',
    ]);
    expect([...phases]).toEqual(
      expect.arrayContaining(['generate train', 'generate val', 'features train', 'features val']),
    );
    expect(first.vocabJson).toBe(join(dir, 'vocab.json'));
    const vocab = vocabFromJson(readFileSync(first.vocabJson, 'utf8'));
    expect(Object.keys(vocab.answer_token_to_idx)).toEqual(expect.arrayContaining(['yes', 'no']));
    for (const { split, images, questionsPerImage } of micro.splits) {
      const f = first.splits[split];
      expect(f.imageDir).toBe(join(dir, 'images', split));
      expect(readdirSync(f.imageDir).sort()).toEqual(
        Array.from({ length: images }, (_, i) => `CLEVR_${split}_${String(i).padStart(6, '0')}.png`),
      );
      expect(f.scenesJson).toBe(join(dir, 'scenes', `CLEVR_${split}_scenes.json`));
      expect(f.questionsJson).toBe(join(dir, 'questions', `CLEVR_${split}_questions.json`));
      expect(f.images).toBe(images);
      expect(f.questions).toBe(images * questionsPerImage);
      const q = await readQuestionsH5(f.questionsH5);
      expect(q.questions.rows).toBe(f.questions);
      expect(q.answers?.length).toBe(f.questions);
      const features = await FeaturesH5Reader.open(f.featuresH5);
      expect(features.shape).toEqual([images, 34, 14, 14]);
      const row = features.readRows([images - 1]);
      expect(row.every(Number.isFinite)).toBe(true);
      features.close();
    }
    expect(first.featureShape).toEqual([34, 14, 14]);
    expect(first.extractor).toMatch(/^builtin-v1-/);
  });

  it('does nothing on a second call', async () => {
    const dir = join(root, 'a');
    const mtimes = () => readdirSync(dir).map((n) => [n, statSync(join(dir, n)).mtimeMs]);
    const before = mtimes();
    const again = await buildPreset('clevr-micro', dir);
    expect(again.ranSteps).toEqual([]);
    expect(again.splits).toEqual(first.splits);
    expect(mtimes()).toEqual(before);
  });

  it('gives byte-identical JSON and PNG files for the same preset (seed)', async () => {
    const second = await buildPreset('clevr-micro', join(root, 'b'));
    expect(second.ranSteps).toHaveLength(7);
    const a = jsonAndPngFiles(join(root, 'a'));
    const b = jsonAndPngFiles(join(root, 'b'));
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    expect(a.size).toBeGreaterThan(50);
    for (const [name, bytes] of a) expect(bytes.equals(b.get(name)!), name).toBe(true);
  });

  it('redoes a step whose files are gone and refuses a folder built with other settings', async () => {
    const dir = join(root, 'b');
    rmSync(join(dir, 'val_questions.h5'));
    const res = await buildPreset('clevr-micro', dir);
    expect(res.ranSteps).toEqual(['questions-h5:val']);
    const manifest = JSON.parse(readFileSync(join(dir, 'preset.json'), 'utf8'));
    manifest.preset.seed = 1;
    writeFileSync(join(dir, 'preset.json'), JSON.stringify(manifest));
    await expect(buildPreset('clevr-micro', dir)).rejects.toThrow(
      /preset\.json: this folder holds preset "clevr-micro" built with other settings/,
    );
  });

  it('is built by mmnet-data build-preset (a second run reports it complete; a bad name is a usage error)', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      out: (l: string) => out.push(l),
      err: (l: string) => err.push(l),
      signal: new AbortController().signal,
    };
    expect(
      await runMmnetData(['build-preset', '--preset', 'clevr-micro', '--output_dir', join(root, 'a')], io),
    ).toBe(0);
    expect(out.join('\n')).toMatch(/preset clevr-micro already complete/);
    expect(out.join('\n')).toContain(first.splits.train.featuresH5);
    expect(await runMmnetData(['build-preset', '--preset', 'clevr-giant', '--output_dir', root], io)).toBe(2);
    expect(err.at(-1)).toMatch(
      /unknown preset "clevr-giant" \(presets: clevr-medium, clevr-micro, clevr-mini, clevr-small\)/,
    );
  });
});
