import { clevrArity, type ProgramStep, prefixToTree, stepsToTree } from '@mmnet/programs';
import { describe, expect, it } from 'vitest';
import { CLEVR_FUNCTIONS, checkProgramSteps, checkProgramTree } from '../src/program/index.js';

const s = (fn: string, inputs: number[], value_inputs: string[] = []): ProgramStep => ({
  function: fn,
  inputs,
  value_inputs,
});

/** "Is the color of the large cube the same as the sphere that is left of it?" in the official list form. */
const comparison: ProgramStep[] = [
  s('scene', []),
  s('filter_size', [0], ['large']),
  s('filter_shape', [1], ['cube']),
  s('unique', [2]),
  s('scene', []),
  s('filter_shape', [4], ['sphere']),
  s('unique', [5]),
  s('relate', [6], ['left']),
  s('unique', [7]),
  s('query_color', [3]),
  s('query_color', [8]),
  s('equal_color', [9, 10]),
];

describe('CLEVR functions', () => {
  it('agree with the CLEVR arity rule of @mmnet/programs', () => {
    for (const f of CLEVR_FUNCTIONS) expect(clevrArity(f.name), f.name).toBe(f.inputs.length);
  });

  it('has the 27 basic functions of CLEVR 1.0 with their arities', () => {
    expect(CLEVR_FUNCTIONS).toHaveLength(27);
    const binary = CLEVR_FUNCTIONS.filter((f) => f.inputs.length === 2)
      .map((f) => f.name)
      .sort();
    expect(binary).toEqual(
      [
        'equal_color',
        'equal_integer',
        'equal_material',
        'equal_object',
        'equal_shape',
        'equal_size',
        'greater_than',
        'intersect',
        'less_than',
        'union',
      ].sort(),
    );
  });
});

describe('program type checking', () => {
  it('accepts official-shaped programs', () => {
    expect(checkProgramTree(stepsToTree(comparison))).toEqual({ ok: true, outputType: 'Bool' });
    expect(checkProgramSteps([s('scene', []), s('count', [0])])).toEqual({ ok: true, outputType: 'Integer' });
  });

  it('names the bad step and token', () => {
    const cases: [ProgramStep[], number, RegExp][] = [
      [[s('scene', []), s('filter_color', [0], ['pink']), s('count', [1])], 1, /unknown Color value 'pink'/],
      [[s('scene', []), s('filter_color', [0]), s('count', [1])], 1, /takes one Color value input, got 0/],
      [
        [s('scene', []), s('query_color', [0])],
        1,
        /input 0 is ObjectSet \(from step 0 \(scene\)\) but query_color needs Object/,
      ],
      [[s('scene', []), s('count', [0]), s('equal_color', [1, 1])], 2, /input 0 is Integer/],
      [[s('scene', []), s('union', [0])], 1, /takes 2 inputs, got 1/],
      [[s('scene', []), s('count', [3])], 1, /input 3 must refer to an earlier step/],
      [[s('scene', []), s('blur', [0])], 1, /unknown function 'blur'/],
      [[s('scene', [], ['x'])], 0, /takes no value inputs/],
    ];
    for (const [prog, step, msg] of cases) {
      const r = checkProgramSteps(prog);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.step).toBe(step);
        expect(r.error.message).toMatch(msg);
        expect(r.error.message).toContain(`step ${step} (`);
      }
    }
  });

  it("accepts a step that no later step uses, as CLEVR's engine does, unless asked to refuse it", () => {
    const unused = [s('scene', []), s('scene', []), s('count', [1])];
    expect(checkProgramSteps(unused)).toEqual({ ok: true, outputType: 'Integer' });
    const r = checkProgramSteps(unused, { rejectUnusedSteps: true });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/step 0 \(scene\).*not used by any later step/);
  });

  it('names tree errors by step', () => {
    const unknown = checkProgramTree(prefixToTree(['count', 'filter_colour[red]', 'scene']));
    expect(!unknown.ok && unknown.error.message).toBe(
      "program step 1 (filter_colour[red]): unknown function 'filter_colour'",
    );
    const forward = checkProgramTree(
      stepsToTree([
        { function: 'scene', inputs: [], value_inputs: [] },
        { function: 'count', inputs: [0], value_inputs: [] },
      ]),
    );
    expect(forward).toEqual({ ok: true, outputType: 'Integer' });
    const r = checkProgramTree(prefixToTree(['exist', 'filter_size[huge]', 'scene']));
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.error.message).toBe(
        "program step 1 (filter_size[huge]): unknown Size value 'huge' (expected one of small, large)",
      );
  });
});
