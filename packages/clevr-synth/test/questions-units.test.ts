import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { handScene } from '../../clevr-data/test/helpers/semantics-scenes.js';
import {
  AnswerCounts,
  BUILTIN_METADATA,
  BUILTIN_SYNONYMS,
  buildTemplateSet,
  createSeededRandom,
  generateQuestions,
  instantiateTemplate,
  loadTemplateDir,
  otherHeuristic,
  possibleAnswers,
  realiseText,
  replaceOptionals,
} from '../src/questions/index.js';

const countTemplate = {
  text: ['How many <Z> <C> <M> <S>s and <Z2> <C2> <M2> <S2>s?'],
  nodes: [
    { type: 'scene', inputs: [] },
    { type: 'filter_count', inputs: [0], side_inputs: ['<Z>', '<C>', '<M>', '<S>'] },
    { type: 'scene', inputs: [] },
    { type: 'filter_count', inputs: [2], side_inputs: ['<Z2>', '<C2>', '<M2>', '<S2>'] },
    { type: 'equal_integer', inputs: [1, 3] },
  ],
  params: ['', '2'].flatMap((k) => [
    { type: 'Size', name: `<Z${k}>` },
    { type: 'Color', name: `<C${k}>` },
    { type: 'Material', name: `<M${k}>` },
    { type: 'Shape', name: `<S${k}>` },
  ]),
  constraints: [] as unknown[],
};

const withConstraints = (constraints: unknown[]) =>
  buildTemplateSet({ test: [{ ...countTemplate, constraints }] }, BUILTIN_METADATA, BUILTIN_SYNONYMS);

describe('answer balancing rule', () => {
  it('rejects an answer that leads the second one by more than 10 %', () => {
    const c = new AnswerCounts(['yes', 'no']);
    expect(c.rejects('yes')).toBe(false);
    c.add('yes');
    expect(c.rejects('yes')).toBe(true);
    expect(c.rejects('no')).toBe(false);
    c.add('no');
    expect(c.rejects('yes')).toBe(false);
  });

  it('rejects an answer above five times the median (at least 5)', () => {
    const c = new AnswerCounts(['0', '1', '2', '3', '4']);
    for (let i = 0; i < 25; i++) {
      c.add('0');
      c.add('1');
    }
    expect(c.rejects('0')).toBe(false);
    c.add('0');
    c.add('1');
    expect(c.rejects('0')).toBe(true);
    expect(c.rejects('2')).toBe(false);
  });
});

describe('question text', () => {
  it('replaces optionals, synonyms and collapses spaces', () => {
    const rng = createSeededRandom(1);
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      seen.add(
        realiseText(
          ['Is the <Z> <C> <S> [really] <R> it?'],
          { '<Z>': '', '<C>': 'red', '<S>': 'thing', '<R>': 'left' },
          {
            thing: ['thing', 'object'],
            left: ['left of', 'to the left of'],
          },
          rng,
        ),
      );
    }
    expect([...seen].sort()).toEqual([
      'Is the red object left of it?',
      'Is the red object really left of it?',
      'Is the red object really to the left of it?',
      'Is the red object to the left of it?',
      'Is the red thing left of it?',
      'Is the red thing really left of it?',
      'Is the red thing really to the left of it?',
      'Is the red thing to the left of it?',
    ]);
    expect(replaceOptionals('a [b] c', { next: () => 0.9 })).toBe('a b c');
    expect(replaceOptionals('a [b] c', { next: () => 0.1 })).toBe('a  c');
  });

  it('drops "other" when the two objects must differ', () => {
    const vals = {
      '<Z>': '',
      '<C>': 'red',
      '<M>': '',
      '<S>': 'cube',
      '<Z2>': '',
      '<C2>': 'blue',
      '<M2>': '',
      '<S2>': 'thing',
    };
    expect(otherHeuristic('Are there any other blue things like the red cube?', vals)).toBe(
      'Are there any blue things like the red cube?',
    );
    expect(otherHeuristic('Is there another blue thing?', vals)).toBe('Is there a blue thing?');
    // As in CLEVR, 'thing' counts as a given shape: only matching or unset attributes keep "other".
    expect(otherHeuristic('Are there any other things?', { ...vals, '<C2>': 'red', '<S2>': 'cube' })).toBe(
      'Are there any other things?',
    );
  });
});

describe('templates', () => {
  it('rejects bad template files naming the file and path', () => {
    const bad = structuredClone(countTemplate);
    bad.nodes[1].side_inputs = ['<Z>', '<C>', '<M>', '<Q>'];
    expect(() => buildTemplateSet({ fam: [countTemplate, bad] }, BUILTIN_METADATA, BUILTIN_SYNONYMS)).toThrow(
      "fam.json: [1].nodes[1].side_inputs[3]: unknown parameter '<Q>'",
    );
    const unknownFn = structuredClone(countTemplate);
    unknownFn.nodes[4].type = 'equal_things';
    expect(() => buildTemplateSet({ fam: [unknownFn] }, BUILTIN_METADATA, BUILTIN_SYNONYMS)).toThrow(
      "fam.json: [0].nodes[4].type: unknown function 'equal_things'",
    );
    expect(() => withConstraints([{ type: 'MAYBE', params: [] }])).toThrow(
      /test\.json: \[0\]\.constraints\[0\]/,
    );
  });

  it('loads a template folder, with metadata and synonyms from it or the package', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmnet-templates-'));
    writeFileSync(join(dir, 'counting.json'), JSON.stringify([countTemplate]));
    const set = loadTemplateDir(dir);
    expect(set.templates.map((t) => [t.family, t.filename, t.familyIndex])).toEqual([
      ['counting', 'counting.json', 0],
    ]);
    writeFileSync(join(dir, 'broken.json'), '[{');
    expect(() => loadTemplateDir(dir)).toThrow(/broken\.json: not valid JSON/);
    expect(() => loadTemplateDir(join(dir, 'nope'))).toThrow(/template folder not found/);
  });

  it('knows the possible answers of a template', () => {
    const set = withConstraints([]);
    expect(possibleAnswers(set.templates[0], set.metadata)).toEqual(['yes', 'no']);
  });
});

describe('constraints', () => {
  const scene = handScene();
  const run = (constraints: unknown[], seed: number) => {
    const set = withConstraints(constraints);
    const counts = new AnswerCounts(['yes', 'no']);
    return instantiateTemplate(set.templates[0], scene, set.metadata, counts, createSeededRandom(seed), {
      maxInstances: 40,
      maxStates: 20000,
    }).instances;
  };

  it('OUT_NEQ compares node outputs as CLEVR does (so equal counts never pass)', () => {
    const inst = run([{ type: 'OUT_NEQ', params: [1, 3] }], 1);
    expect(inst.length).toBeGreaterThan(0);
    expect(inst.every((i) => i.answer === 'no')).toBe(true);
  });

  it('SET_NEQ compares the filtered sets, so equal counts of different sets pass', () => {
    const inst = run([{ type: 'SET_NEQ', params: [1, 3] }], 1);
    expect(inst.some((i) => i.answer === 'yes')).toBe(true);
  });

  it('NULL keeps a parameter unset and NEQ keeps two apart', () => {
    const nulls = run([{ type: 'NULL', params: ['<C>'] }], 2);
    expect(nulls.length).toBeGreaterThan(0);
    expect(nulls.every((i) => i.vals['<C>'] === '')).toBe(true);
    const neq = run([{ type: 'NEQ', params: ['<S>', '<S2>'] }], 3);
    expect(neq.length).toBeGreaterThan(0);
    expect(neq.every((i) => i.vals['<S>'] !== i.vals['<S2>'])).toBe(true);
    expect(run([], 3).some((i) => i.vals['<S>'] === i.vals['<S2>'])).toBe(true);
  });

  it('generates through the driver with a custom template set', () => {
    const { questions, stats } = generateQuestions([scene], withConstraints([]), { seed: 1 });
    expect(questions).toHaveLength(1);
    expect(stats.questions).toBe(1);
    expect(questions[0].question).toMatch(/^How many .*s and .*s\?$/);
  });
});
