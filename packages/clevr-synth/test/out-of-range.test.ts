import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildVocab,
  parseQuestionFile,
  rawPixelsExtractor,
  readQuestionsH5,
  tokenize,
} from '@mmnet/clevr-data';
import { createRng, initBackend } from '@mmnet/core-tensors';
import { vocabFromJson, vocabToJson } from '@mmnet/programs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildOutOfRangeSet,
  CLEVR_CAMERA,
  CLEVR_LIGHTS,
  clevrCamera,
  clevrLights,
  DEFAULT_RENDER_STYLE,
  generateClevrSplit,
  generateScene,
  OUT_OF_RANGE_VARIANTS,
  parseSceneSamplerOptions,
  questionsInVocab,
} from '../src/index.js';

let root: string;
beforeAll(async () => {
  await initBackend({ prefer: 'wasm', log: null });
  root = mkdtempSync(join(tmpdir(), 'mmnet-out-of-range-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('jitter outside the training range', () => {
  it('cameraJitterMin moves the camera by at least that much on every axis, at most cameraJitter', () => {
    for (let seed = 0; seed < 20; seed++) {
      const camera = clevrCamera(createRng(seed), 1.5, 0.75);
      for (let axis = 0; axis < 3; axis++) {
        const offset = Math.abs(camera.position[axis] - CLEVR_CAMERA.location[axis]);
        expect(offset).toBeGreaterThanOrEqual(0.75);
        expect(offset).toBeLessThanOrEqual(1.5);
      }
      const lights = clevrLights(createRng(seed), 3, 1.5);
      for (const lamp of ['key', 'fill', 'back'] as const)
        for (let axis = 0; axis < 3; axis++) {
          const offset = Math.abs(lights[lamp].position[axis] - CLEVR_LIGHTS[lamp].position[axis]);
          expect(offset).toBeGreaterThanOrEqual(1.5);
          expect(offset).toBeLessThanOrEqual(3);
        }
    }
  });

  it('with a minimum of 0 it draws what it drew before (training scenes are unchanged)', () => {
    expect(clevrCamera(createRng(5), 0.5, 0)).toEqual(clevrCamera(createRng(5), 0.5));
    expect(clevrLights(createRng(5), 1, 0)).toEqual(clevrLights(createRng(5), 1));
    const a = generateScene({ seed: 3, index: 2, split: 'val', width: 480, height: 320 });
    const b = generateScene({
      seed: 3,
      index: 2,
      split: 'val',
      width: 480,
      height: 320,
      sampler: { cameraJitterMin: 0, lightJitterMin: 0 },
    });
    expect(b).toEqual(a);
  });

  it('refuses a minimum above the jitter, naming the field', () => {
    expect(() => parseSceneSamplerOptions({ cameraJitter: 0.5, cameraJitterMin: 1 })).toThrow(
      /cameraJitterMin: cameraJitterMin must be <= cameraJitter/,
    );
    expect(() => parseSceneSamplerOptions({ lightJitterMin: 2 })).toThrow(/lightJitterMin/);
  });
});

describe('out-of-range variants', () => {
  it('each lies outside a training range: camera, lamps, object count, image size or look', () => {
    for (const v of Object.values(OUT_OF_RANGE_VARIANTS)) {
      const s = parseSceneSamplerOptions(v.sampler);
      const outside = [
        s.cameraJitterMin > 0.5,
        s.lightJitterMin > 1,
        s.minObjects > 10,
        v.width * 320 !== v.height * 480, // another aspect than the presets' 3:2
        Object.entries(v.style ?? {}).some(
          ([k, value]) => DEFAULT_RENDER_STYLE[k as keyof typeof DEFAULT_RENDER_STYLE] !== value,
        ),
      ];
      expect(outside.some(Boolean), v.name).toBe(true);
    }
    const objects = OUT_OF_RANGE_VARIANTS.objects;
    for (let index = 0; index < 2; index++) {
      const { json } = generateScene({
        seed: objects.seed,
        index,
        split: 'val',
        width: 480,
        height: 320,
        sampler: objects.sampler,
      });
      expect(json.objects.length).toBeGreaterThanOrEqual(11);
    }
  });

  it('questionsInVocab keeps the questions a vocabulary encodes and counts the others by part', () => {
    const base = {
      image_index: 0,
      program: [
        { function: 'scene', inputs: [], value_inputs: [] },
        { function: 'count', inputs: [0], value_inputs: [] },
      ],
    };
    const questions = [
      { ...base, question: 'How many things?', answer: '3' },
      { ...base, question: 'How many things?', answer: '11' },
      { ...base, question: 'How many blorps?', answer: '3' },
    ];
    const vocab = buildVocab([questions[0]], {
      tokenize: { punctToKeep: [';', ','], punctToRemove: ['?', '.'] },
    });
    const split = questionsInVocab(parseQuestionFile({ questions }, 'q.json').questions, vocab);
    expect(split.kept.map((q) => q.answer)).toEqual(['3']);
    expect(split.dropped).toEqual({ words: 1, program: 0, answer: 1 });
    expect(split.unknownTokens).toEqual({ blorps: 1, '11': 1 });
  });

  it('builds a val set that the training vocabulary encodes, resumes, and redoes only what a new vocabulary changes', async () => {
    // A "training" vocabulary from 3 in-range scenes' questions: it lacks some answers and words of the set.
    const train = await generateClevrSplit({
      outputDir: join(root, 'train'),
      numImages: 3,
      seed: 1,
      renderImages: false,
    });
    const trainQuestions = parseQuestionFile(
      JSON.parse(readFileSync(train.questionsFile, 'utf8')),
      'train',
    ).questions;
    const vocabJson = join(root, 'vocab.json');
    writeFileSync(
      vocabJson,
      vocabToJson(
        buildVocab(trainQuestions, { tokenize: { punctToKeep: [';', ','], punctToRemove: ['?', '.'] } }),
      ),
    );
    const extractor = rawPixelsExtractor({ height: 224, width: 224 }, { grid: 14 });
    const dir = join(root, 'set');
    const built = await buildOutOfRangeSet('image-size', dir, { vocabJson, images: 2, extractor });
    expect(built.ranSteps).toEqual(['generate', 'questions', 'features']);
    expect(built.images).toBe(2);
    expect(built.generated).toBe(20);
    const { dropped } = built;
    expect(built.questions + dropped.words + dropped.program + dropped.answer).toBe(20);
    expect(readFileSync(join(dir, 'vocab.json'), 'utf8')).toBe(readFileSync(vocabJson, 'utf8'));
    const h5 = await readQuestionsH5(built.questionsH5);
    expect(h5.answers?.length).toBe(built.questions);
    const vocab = vocabFromJson(readFileSync(vocabJson, 'utf8'));
    const kept = parseQuestionFile(JSON.parse(readFileSync(built.questionsJson, 'utf8')), 'kept').questions;
    for (const q of kept) {
      expect(q.answer !== undefined && q.answer in vocab.answer_token_to_idx).toBe(true);
      for (const w of tokenize(q.question, { punctToKeep: [';', ','], punctToRemove: ['?', '.'] }))
        expect(w in vocab.question_token_to_idx, w).toBe(true);
    }
    expect(built.featureShape).toEqual([3, 14, 14]);

    const again = await buildOutOfRangeSet('image-size', dir, { vocabJson, images: 2, extractor });
    expect(again.ranSteps).toEqual([]);
    // A vocabulary that knows every question of the set: only the question files are made again, none dropped.
    const all = parseQuestionFile(JSON.parse(readFileSync(built.allQuestionsJson, 'utf8')), 'all').questions;
    const fullVocab = join(root, 'full-vocab.json');
    writeFileSync(
      fullVocab,
      vocabToJson(
        buildVocab([...trainQuestions, ...all], {
          tokenize: { punctToKeep: [';', ','], punctToRemove: ['?', '.'] },
        }),
      ),
    );
    const other = await buildOutOfRangeSet('image-size', dir, { vocabJson: fullVocab, images: 2, extractor });
    expect(other.ranSteps).toEqual(['questions']);
    expect(other.questions).toBe(20);

    await expect(buildOutOfRangeSet('image-size', dir, { vocabJson, images: 3, extractor })).rejects.toThrow(
      `${join(dir, 'out-of-range.json')}: this folder holds out-of-range set "image-size" built with other settings`,
    );
    await expect(buildOutOfRangeSet('fog', dir, { vocabJson })).rejects.toThrow(
      'unknown out-of-range variant "fog" (variants: camera, lighting, objects, image-size, look, all)',
    );
  }, 120_000);
});
