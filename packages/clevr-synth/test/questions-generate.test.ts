import { executeProgram, questionFileSchema } from '@mmnet/clevr-data';
import { stepsToTree, treeToPrefix } from '@mmnet/programs';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomScenes } from '../../clevr-data/test/helpers/semantics-scenes.js';
import { builtinTemplateSet, type GeneratedQuestion, generateQuestions } from '../src/questions/index.js';

const set = builtinTemplateSet();
const scenes = randomScenes(300, 11);
let questions: GeneratedQuestion[] = [];

beforeAll(() => {
  questions = generateQuestions(scenes, set, { seed: 42 }).questions;
});

const FAMILIES = [
  'compare_integer',
  'comparison',
  'one_hop',
  'same_relate',
  'single_and',
  'single_or',
  'three_hop',
  'two_hop',
  'zero_hop',
];

describe('the package template set', () => {
  it('has the 9 families and 90 templates, with program shapes the generator knows', () => {
    expect([...new Set(set.templates.map((t) => t.family))]).toEqual(FAMILIES);
    expect(set.templates).toHaveLength(90);
    expect(set.templates.map((t) => t.familyIndex)).toEqual([...Array(90).keys()]);
  });
});

describe('question generation on 300 seeded scenes', () => {
  it('uses every family and every template', () => {
    expect(questions.length).toBe(3000);
    expect(new Set(questions.map((q) => q.template_filename.replace('.json', ''))).size).toBe(9);
    const perTemplate = new Array(90).fill(0);
    for (const q of questions) perTemplate[q.question_family_index]++;
    expect(Math.min(...perTemplate)).toBeGreaterThan(5);
  });

  it('writes the official question-file format, with the executor answer and a clean text', () => {
    const parsed = questionFileSchema.parse({ info: {}, questions });
    expect(parsed.questions[0].program?.[0]).toEqual({ function: 'scene', inputs: [], value_inputs: [] });
    const byIndex = new Map(scenes.map((s) => [s.image_index, s]));
    for (const q of questions) {
      expect(executeProgram(q.program, byIndex.get(q.image_index)!)).toMatchObject({
        ok: true,
        answer: q.answer,
      });
      expect(q.question).toMatch(/^[A-Z][a-z ;,]+\?$/);
      expect(q.question).not.toMatch(/ {2}/);
      expect(q.image_filename).toBe(byIndex.get(q.image_index)!.image_filename);
    }
    expect(questions.map((q) => q.question_index)).toEqual([...questions.keys()]);
  });

  it('balances yes/no answers within every family', () => {
    const byFamily = new Map<string, { yes: number; no: number }>();
    for (const q of questions) {
      if (q.answer !== 'yes' && q.answer !== 'no') continue;
      const c = byFamily.get(q.template_filename) ?? { yes: 0, no: 0 };
      c[q.answer]++;
      byFamily.set(q.template_filename, c);
    }
    expect(byFamily.size).toBe(7);
    for (const [family, c] of byFamily) {
      const share = c.yes / (c.yes + c.no);
      expect(share, `${family}: ${JSON.stringify(c)}`).toBeGreaterThan(0.4);
      expect(share, `${family}: ${JSON.stringify(c)}`).toBeLessThan(0.6);
    }
  });

  it('keeps count answers balanced: no answer above twice the next one, none above half', () => {
    const byFamily = new Map<string, Map<string, number>>();
    for (const q of questions) {
      if (!/^\d+$/.test(q.answer)) continue;
      const m = byFamily.get(q.template_filename) ?? new Map<string, number>();
      m.set(q.answer, (m.get(q.answer) ?? 0) + 1);
      byFamily.set(q.template_filename, m);
    }
    expect(byFamily.size).toBe(7);
    for (const [family, m] of byFamily) {
      const counts = [...m.values()].sort((a, b) => b - a);
      const total = counts.reduce((a, b) => a + b, 0);
      expect(counts[0], `${family}: ${JSON.stringify([...m])}`).toBeLessThanOrEqual(2 * counts[1]);
      expect(counts[0] / total, family).toBeLessThanOrEqual(0.5);
    }
  });

  it('gives the same questions for the same seed and different ones for another', () => {
    const a = generateQuestions(scenes.slice(0, 5), set, { seed: 7 }).questions;
    const b = generateQuestions(scenes.slice(0, 5), set, { seed: 7 }).questions;
    const c = generateQuestions(scenes.slice(0, 5), set, { seed: 8 }).questions;
    expect(b).toEqual(a);
    expect(c.map((q) => q.question)).not.toEqual(a.map((q) => q.question));
  });

  it('expands composite nodes into basic functions only', () => {
    const tokens = new Set(questions.flatMap((q) => treeToPrefix(stepsToTree(q.program))));
    for (const t of tokens) expect(t).not.toMatch(/^(filter|relate_filter)(_unique|_count|_exist)?$/);
    expect(tokens.has('relate[front]')).toBe(true);
    expect(tokens.has('same_material')).toBe(true);
    expect(tokens.has('union')).toBe(true);
    expect(tokens.has('intersect')).toBe(true);
  });
});
