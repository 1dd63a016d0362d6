import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { postfixToTree, prefixToTree, stepsToTree, treeToPostfix, treeToPrefix } from '@mmnet/programs';
import { describe, expect, it } from 'vitest';
import { executeProgram } from '../src/executor/index.js';
import { parseQuestionFile, parseSceneFile } from '../src/formats/index.js';
import { checkProgramSteps } from '../src/program/index.js';

// Built by test/helpers/build-semantics-fixture.ts: CLEVR's official templates instantiated on three
// hand-written scenes (test/helpers/semantics-scenes.ts), in the official file formats.
const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const sceneFile = parseSceneFile(JSON.parse(readFileSync(join(fixtures, 'semantics-scenes.json'), 'utf8')));
const questionFile = parseQuestionFile(
  JSON.parse(readFileSync(join(fixtures, 'semantics-questions.json'), 'utf8')),
);
const scenes = new Map(sceneFile.scenes.map((s) => [s.image_index, s]));

describe('executor on the official-format fixture', () => {
  it('has questions of every official template family', () => {
    expect(questionFile.questions.length).toBeGreaterThan(200);
    const families = new Set(questionFile.questions.map((q) => q.template_filename));
    expect(families.size).toBe(9);
  });

  it('answers every fixture question as recorded', () => {
    for (const q of questionFile.questions) {
      const r = executeProgram(q.program ?? [], scenes.get(q.image_index)!);
      expect(r, q.question).toMatchObject({ ok: true, answer: q.answer });
    }
  });

  it('type-checks and round trips every fixture program', () => {
    for (const q of questionFile.questions) {
      const steps = q.program ?? [];
      expect(checkProgramSteps(steps).ok).toBe(true);
      const prefix = treeToPrefix(stepsToTree(steps));
      expect(treeToPrefix(prefixToTree(prefix))).toEqual(prefix);
      expect(treeToPrefix(postfixToTree(treeToPostfix(prefixToTree(prefix))))).toEqual(prefix);
    }
  });

  // Answers worked out by hand from the scene layouts in helpers/semantics-scenes.ts (x to the right,
  // y away from the camera; a relation holds beyond 0.2 units), not from the executor.
  const handChecked: [number, string, string][] = [
    [14, 'How big is the blue rubber thing left of the large blue matte object?', 'small'],
    [32, 'Does the large red metallic thing have the same shape as the large blue rubber thing?', 'no'],
    [48, 'Are there any other things that have the same shape as the large red metallic thing?', 'yes'],
    [60, 'Are any big green rubber things visible?', 'no'],
    [
      68,
      'There is a blue matte thing in front of the big blue rubber cylinder; how many large metallic objects are behind it?',
      '0',
    ],
    [107, 'Is the size of the brown object the same as the gray rubber thing?', 'no'],
    [
      130,
      'Are there an equal number of gray metallic things that are behind the green matte thing and brown cylinders?',
      'no',
    ],
    [
      194,
      'Are the large ball and the block in front of the small metallic cube made of the same material?',
      'yes',
    ],
    [199, 'There is a big thing on the left side of the red object; what is its material?', 'rubber'],
    [
      221,
      'There is a thing behind the matte thing that is to the right of the big object that is left of the shiny cylinder; what size is it?',
      'small',
    ],
    [
      230,
      'There is a metal object behind the shiny thing in front of the ball; how many red cylinders are to the right of it?',
      '1',
    ],
    [
      241,
      'Is the number of shiny cylinders right of the tiny shiny thing less than the number of small rubber objects right of the big red metallic cylinder?',
      'no',
    ],
    [249, 'What material is the ball that is the same color as the tiny metal object?', 'rubber'],
    [253, 'How many big red cylinders are the same material as the purple block?', '0'],
  ];

  it.each(handChecked)('question %i matches its hand-checked answer', (index, text, expected) => {
    const q = questionFile.questions.find((x) => x.question_index === index)!;
    expect(q.question).toBe(text);
    expect(q.answer).toBe(expected);
    expect(executeProgram(q.program ?? [], scenes.get(q.image_index)!)).toMatchObject({
      ok: true,
      answer: expected,
    });
  });
});
