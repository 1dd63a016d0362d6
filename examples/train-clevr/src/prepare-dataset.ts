import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractFeatures, preprocessQuestions } from '@mmnet/clevr-data';
import { buildPreset, createBuiltinExtractor } from '@mmnet/clevr-synth';

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

/**
 * Builds a named clevr-synth preset (generation, vocab, questions.h5, built-in CNN features; every step cached
 * and resumable) and returns the dataset folder and its official-layout view.
 */
export async function prepareSyntheticPreset(
  name: string,
  dataRoot: string,
  log: Log,
): Promise<{ layout: ClevrLayout; datasetDir: string }> {
  const dir = join(dataRoot, name);
  let lastPhase = '';
  let lastDone = 0;
  const files = await buildPreset(name, dir, {
    onProgress: (p) => {
      if (p.phase !== lastPhase || p.done - lastDone >= 200 || p.done === p.total) {
        lastPhase = p.phase;
        lastDone = p.done;
        log(`  ${p.phase}: ${p.done}/${p.total ?? '?'}`);
      }
    },
  });
  log(
    files.ranSteps.length
      ? `built ${name} in ${dir} (${files.ranSteps.join(', ')}), features [${files.featureShape}] by ${files.extractor}`
      : `using the cached ${name} in ${dir}`,
  );
  return { layout: clevrLayout(dir), datasetDir: files.dir };
}

/**
 * From an official-layout folder to the trainer's dataset folder: vocab.json (from train), train/val
 * questions.h5 and features.h5 (the built-in CNN's features, as the presets use). Existing outputs
 * are kept (each is written atomically, so an existing file is complete).
 */
export async function buildDatasetFolder(layout: ClevrLayout, dataDir: string, log: Log): Promise<void> {
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
      const extractor = await createBuiltinExtractor();
      const { inputHeight: height, inputWidth: width } = extractor.metadata.config;
      const r = await extractFeatures(
        {
          imageDir: layout.images(split),
          outputH5: featuresH5,
          imageHeight: height,
          imageWidth: width,
          batchSize: 32,
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
