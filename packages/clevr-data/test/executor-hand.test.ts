import { describe, expect, it } from 'vitest';
import { executeProgram, executeSteps } from '../src/executor/index.js';
import type { ProgramStep } from '../src/formats/question-schema.js';
import { prefixToTree, stepsToPrefix, treeToSteps } from '../src/program/index.js';
import { handScene } from './helpers/semantics-scenes.js';

const scene = handScene();
const steps = (prefix: string): ProgramStep[] => treeToSteps(prefixToTree(prefix.split(' ')));

// Each answer below was worked out by hand from the scene drawn in helpers/semantics-scenes.ts.
const cases: [string, string][] = [
  ['count filter_color[red] scene', '2'],
  ['exist filter_shape[cylinder] filter_color[red] scene', 'no'],
  ['exist filter_material[metal] filter_shape[sphere] scene', 'yes'],
  ['query_color unique filter_shape[cylinder] scene', 'blue'],
  [
    'query_shape unique filter_color[yellow] relate[right] unique filter_shape[sphere] filter_color[blue] scene',
    'sphere',
  ],
  ['count relate[left] unique filter_shape[sphere] filter_color[blue] scene', '2'],
  ['count relate[left] unique filter_material[metal] filter_shape[cube] scene', '0'],
  ['query_size unique relate[front] unique filter_material[metal] filter_shape[cube] scene', 'small'],
  ['count same_color unique filter_shape[cylinder] scene', '1'],
  ['count same_size unique filter_shape[cylinder] scene', '1'],
  [
    'query_material unique filter_shape[cube] same_color unique filter_size[large] filter_color[red] scene',
    'rubber',
  ],
  [
    'equal_material query_material unique filter_size[large] filter_color[red] scene query_material unique filter_color[yellow] scene',
    'yes',
  ],
  [
    'equal_size query_size unique filter_shape[cylinder] scene query_size unique filter_color[yellow] scene',
    'no',
  ],
  ['count union filter_shape[cube] scene filter_material[metal] scene', '3'],
  [
    'count intersect relate[behind] unique filter_shape[sphere] filter_color[blue] scene relate[right] unique filter_size[large] filter_shape[cube] scene',
    '1',
  ],
  ['greater_than count filter_size[small] scene count filter_size[large] scene', 'yes'],
  ['less_than count filter_size[small] scene count filter_size[large] scene', 'no'],
  ['equal_integer count filter_material[metal] scene count filter_color[blue] scene', 'yes'],
  [
    'equal_color query_color unique filter_shape[cylinder] scene query_color unique filter_shape[sphere] filter_size[small] filter_material[rubber] scene',
    'yes',
  ],
];

describe('executor on a hand-written scene', () => {
  it.each(cases)('%s -> %s', (prefix, expected) => {
    expect(executeProgram(steps(prefix), scene)).toEqual({
      ok: true,
      answer: expected,
      outputType: expect.any(String),
    });
    expect(executeProgram(prefixToTree(prefix.split(' ')), scene)).toMatchObject({
      ok: true,
      answer: expected,
    });
  });

  it('reports unique on a non-singleton set as a typed error', () => {
    const r = executeProgram(steps('query_shape unique filter_color[red] scene'), scene);
    expect(r).toEqual({
      ok: false,
      error: {
        step: 2,
        token: 'unique',
        kind: 'not_unique',
        message: 'unique needs exactly one object, got 2',
      },
    });
    const t = executeProgram(prefixToTree('query_shape unique filter_color[green] scene'.split(' ')), scene);
    expect(t).toMatchObject({ ok: false, error: { step: 1, token: 'unique', kind: 'not_unique' } });
  });

  it('reports malformed programs as typed errors, not exceptions', () => {
    const bad: ProgramStep[] = [
      { function: 'scene', inputs: [], value_inputs: [] },
      { function: 'filter_color', inputs: [0], value_inputs: ['pink'] },
      { function: 'count', inputs: [1], value_inputs: [] },
    ];
    expect(executeProgram(bad, scene)).toMatchObject({
      ok: false,
      error: { step: 1, token: 'filter_color[pink]', kind: 'invalid_program' },
    });
    const wrongType: ProgramStep[] = [
      { function: 'scene', inputs: [], value_inputs: [] },
      { function: 'query_color', inputs: [0], value_inputs: [] },
    ];
    expect(executeProgram(wrongType, scene)).toMatchObject({
      ok: false,
      error: { step: 1, kind: 'invalid_program' },
    });
    expect(executeProgram([], scene)).toMatchObject({
      ok: false,
      error: { step: 0, kind: 'invalid_program' },
    });
    expect(executeProgram(steps('filter_color[red] scene'), scene)).toMatchObject({
      ok: false,
      error: { step: 1, kind: 'not_an_answer' },
    });
  });

  it('reports scenes lacking a relation as bad_scene', () => {
    const noLeft = structuredClone(scene) as unknown as { relationships: Record<string, unknown> };
    delete noLeft.relationships.left;
    const r = executeProgram(
      steps('count relate[left] unique filter_shape[cylinder] scene'),
      noLeft as unknown as typeof scene,
    );
    expect(r).toMatchObject({ ok: false, error: { kind: 'bad_scene', token: 'relate[left]' } });
  });

  it('returns every step output', () => {
    const r = executeSteps(steps('count filter_shape[cube] filter_color[red] scene'), scene);
    expect(r).toEqual({ ok: true, outputs: [[0, 1, 2, 3, 4], [0, 4], [0, 4], 2] });
  });
});

describe('a program with a step that no later step uses (as single_or templates of the official generator make)', () => {
  // count(union(filter_color[red](scene), filter_shape[cube](scene))) with a filter_size[large] step left dangling.
  const program: ProgramStep[] = [
    { function: 'scene', inputs: [], value_inputs: [] },
    { function: 'filter_color', inputs: [0], value_inputs: ['red'] },
    { function: 'scene', inputs: [], value_inputs: [] },
    { function: 'filter_shape', inputs: [2], value_inputs: ['cube'] },
    { function: 'filter_size', inputs: [3], value_inputs: ['large'] },
    { function: 'union', inputs: [1, 3], value_inputs: [] },
    { function: 'count', inputs: [5], value_inputs: [] },
  ];

  it("is answered as CLEVR's engine answers it: every step runs, the last gives the answer", () => {
    const withoutUnused = steps('count union filter_color[red] scene filter_shape[cube] scene');
    const expected = executeProgram(withoutUnused, scene);
    expect(expected.ok).toBe(true);
    expect(executeProgram(program, scene)).toEqual(expected);
  });

  it('becomes the prefix program of the steps the answer depends on (what the models execute)', () => {
    expect(stepsToPrefix(program).join(' ')).toBe(
      'count union filter_color[red] scene filter_shape[cube] scene',
    );
  });
});
