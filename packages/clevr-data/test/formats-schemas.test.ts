import { describe, expect, it } from 'vitest';
import {
  parseProgramSteps,
  parseQuestionFile,
  parseSceneFile,
  sceneFileSchema,
} from '../src/formats/index.js';
import { formatZodError } from '../src/formats/zod-error.js';
import { handScene } from './helpers/semantics-scenes.js';

describe('scene files', () => {
  it('accepts a valid scene file and keeps extra fields', () => {
    const scene = { ...handScene(), extra: 42 };
    const file = parseSceneFile({ info: { version: '1.0' }, scenes: [scene] }, 'scenes.json');
    expect(file.scenes[0].objects).toHaveLength(5);
    expect(file.scenes[0].extra).toBe(42);
    expect(file.scenes[0].relationships.right[1]).toEqual([2, 3]);
  });

  it('names the bad field in one line', () => {
    const scene = handScene();
    const bad = structuredClone(scene) as unknown as { objects: Record<string, unknown>[] };
    bad.objects[1].color = 7;
    expect(() => parseSceneFile({ scenes: [scene, bad] }, 'scenes.json')).toThrow(
      /^scenes\.json: scenes\[1\]\.objects\[1\]\.color: .*expected string/,
    );
  });

  it('rejects relationships that do not match the objects', () => {
    const scene = structuredClone(handScene());
    scene.relationships.left = scene.relationships.left.slice(0, 3);
    const r = sceneFileSchema.safeParse({ scenes: [scene] });
    expect(r.success).toBe(false);
    if (!r.success)
      expect(formatZodError(r.error)).toMatch(
        /^scenes\[0\]\.relationships\.left: has 3 entries but the scene has 5/,
      );
    const scene2 = structuredClone(handScene());
    scene2.relationships.front[2] = [9];
    expect(() => parseSceneFile({ scenes: [scene2] })).toThrow(
      /scenes\[0\]\.relationships\.front\[2\]\[0\]: object index 9/,
    );
  });
});

describe('question files', () => {
  const official = {
    question: 'Are there any red cubes?',
    answer: 'yes',
    image_index: 0,
    image_filename: 'CLEVR_val_000000.png',
    question_family_index: 1,
    split: 'val',
    program: [
      { function: 'scene', inputs: [], value_inputs: [] },
      { function: 'filter_color', inputs: [0], value_inputs: ['red'] },
      { function: 'filter_shape', inputs: [1], value_inputs: ['cube'] },
      { function: 'exist', inputs: [2], value_inputs: [] },
    ],
  };

  it('normalises type/side_inputs to function/value_inputs', () => {
    const generatorStyle = {
      ...official,
      answer: true,
      program: [
        { type: 'scene', inputs: [] },
        { type: 'filter_color', inputs: [0], side_inputs: ['red'] },
        { type: 'filter_shape', inputs: [1], side_inputs: ['cube'] },
        { type: 'exist', inputs: [2] },
      ],
    };
    const file = parseQuestionFile({ info: {}, questions: [official, generatorStyle] });
    expect(file.questions[1].program).toEqual(file.questions[0].program);
    expect(file.questions[1].answer).toBe('yes');
    expect(file.questions[0].program?.[1]).toEqual({
      function: 'filter_color',
      inputs: [0],
      value_inputs: ['red'],
    });
  });

  it('accepts questions without answers or programs (test split)', () => {
    const file = parseQuestionFile({ questions: [{ question: 'What is it?', image_index: 3 }] });
    expect(file.questions[0].answer).toBeUndefined();
  });

  it('names the bad program step', () => {
    const bad = structuredClone(official) as { program: Record<string, unknown>[] };
    delete bad.program[3].function;
    const qs = Array.from({ length: 13 }, () => official);
    qs[12] = bad as typeof official;
    expect(() => parseQuestionFile({ questions: qs }, 'q.json')).toThrow(
      /^q\.json: questions\[12\]\.program\[3\]\.function: missing/,
    );
    expect(() => parseProgramSteps([{ function: 'scene', inputs: [-1] }])).toThrow(
      /^program: \[0\]\.inputs\[0\]/,
    );
  });
});
