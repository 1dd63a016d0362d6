import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  extractFeatures,
  generateClevrSplit,
  preprocessQuestions,
  rawPixelsExtractor,
} from '@mmnet/clevr-data';
import type { Preset } from './presets.js';

/** An official-layout CLEVR folder: images/<split>/*.png and questions/CLEVR_<split>_questions.json. */
export interface ClevrLayout {
  root: string;
  images(split: string): string;
  questions(split: string): string;
}

export function clevrLayout(root: string): ClevrLayout {
  return {
    root,
    images: (split) => join(root, 'images', split),
    questions: (split) => join(root, 'questions', `CLEVR_${split}_questions.json`),
  };
}

export type Log = (line: string) => void;

function hasPngs(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.png'));
}

/** Generates the preset's splits in the official layout under `root` (skipping splits already complete). */
export async function generatePreset(preset: Preset, root: string, log: Log): Promise<ClevrLayout> {
  const layout = clevrLayout(root);
  for (const [split, numImages, seedOffset] of [
    ['train', preset.trainImages, 0],
    ['val', preset.valImages, 1000],
  ] as const) {
    if (existsSync(layout.questions(split)) && hasPngs(layout.images(split))) continue;
    const started = performance.now();
    log(`generating ${numImages} ${split} images (${preset.width}x${preset.height}) and their questions...`);
    let last = 0;
    const result = await generateClevrSplit(
      {
        outputDir: root,
        split,
        numImages,
        seed: preset.seed + seedOffset,
        width: preset.width,
        height: preset.height,
        antialias: true,
        shadows: false,
        templatesPerImage: preset.templatesPerImage,
        date: '2026-01-01',
      },
      {
        onProgress: (p) => {
          if (p.done - last >= 200 || p.done === p.total) {
            last = p.done;
            log(`  ${split}: ${p.done}/${p.total} images`);
          }
        },
      },
    );
    log(`  ${result.questions} ${split} questions in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  return layout;
}

/**
 * From an official-layout folder to the trainer's dataset folder: vocab.json (from train), train/val
 * questions.h5 and features.h5 (raw-<grid>-pos features of images resized to size x size). Existing outputs
 * are kept (each is written atomically, so an existing file is complete).
 */
export async function buildDatasetFolder(
  layout: ClevrLayout,
  dataDir: string,
  features: { imageSize: number; grid: number },
  log: Log,
): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  const vocab = join(dataDir, 'vocab.json');
  if (!existsSync(vocab)) await buildVocab(layout, dataDir, vocab, log);
  for (const split of ['train', 'val'] as const) {
    const h5 = join(dataDir, `${split}_questions.h5`);
    if (!existsSync(h5)) {
      log(`preprocessing ${split} questions -> ${h5}`);
      const r = await preprocessQuestions({
        inputQuestionsJson: layout.questions(split),
        inputVocabJson: vocab,
        outputH5File: h5,
        encodeUnk: true,
      });
      log(`  ${r.questions} questions, program length ${r.programLength}, ${r.vocabSizes.answers} answers`);
    }
    const featuresH5 = join(dataDir, `${split}_features.h5`);
    if (!existsSync(featuresH5)) {
      log(`extracting features of ${layout.images(split)} -> ${featuresH5}`);
      const extractor = rawPixelsExtractor(
        { height: features.imageSize, width: features.imageSize },
        { grid: features.grid, positionChannels: true },
      );
      const r = await extractFeatures(
        {
          imageDir: layout.images(split),
          outputH5: featuresH5,
          imageHeight: features.imageSize,
          imageWidth: features.imageSize,
          batchSize: 64,
        },
        extractor,
      );
      log(`  features [${r.shape}]`);
    }
  }
}

/**
 * vocab.json from the train and val questions together, so that a val answer absent from a small train split
 * still has an index (the model simply never predicts it; accuracy stays honest).
 */
async function buildVocab(layout: ClevrLayout, dataDir: string, vocab: string, log: Log): Promise<void> {
  log(`building ${vocab} from the train and val questions`);
  const read = (split: string) =>
    (JSON.parse(readFileSync(layout.questions(split), 'utf8')) as { questions: unknown[] }).questions;
  const combined = join(dataDir, '.vocab-questions.json');
  const scratch = join(dataDir, '.vocab-questions.h5');
  writeFileSync(combined, JSON.stringify({ questions: [...read('train'), ...read('val')] }));
  try {
    await preprocessQuestions({
      inputQuestionsJson: combined,
      outputH5File: scratch,
      outputVocabJson: vocab,
    });
  } finally {
    rmSync(combined, { force: true });
    rmSync(scratch, { force: true });
  }
}
