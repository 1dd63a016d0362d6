import { describe, expect, it } from 'vitest';
import type { ProgramStep } from '../src/formats/question-schema.js';
import {
  CLEVR_FUNCTIONS,
  checkProgramSteps,
  checkProgramTree,
  ProgramError,
  parseProgramToken,
  postfixToTree,
  prefixToTree,
  programTokenArity,
  stepsToPrefix,
  stepsToTree,
  treeToPostfix,
  treeToPrefix,
  treeToSteps,
} from '../src/program/index.js';

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

describe('program tokens', () => {
  it('tells the arity of every reference token', () => {
    expect(programTokenArity('scene')).toBe(0);
    expect(programTokenArity('filter_color[red]')).toBe(1);
    expect(programTokenArity('relate[left]')).toBe(1);
    expect(programTokenArity('equal_color')).toBe(2);
    expect(programTokenArity('union')).toBe(2);
    expect(programTokenArity('less_than')).toBe(2);
    expect(programTokenArity('count')).toBe(1);
    expect(() => programTokenArity('<START>')).toThrow(/special token/);
    expect(() => programTokenArity('frobnicate')).toThrow(/unknown program token 'frobnicate'/);
    expect(parseProgramToken('filter_color[red]')).toEqual({
      function: 'filter_color',
      valueInputs: ['red'],
    });
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

describe('program conversions', () => {
  it('list -> prefix uses reference tokens, first input first', () => {
    expect(stepsToPrefix(comparison)).toEqual([
      'equal_color',
      'query_color',
      'unique',
      'filter_shape[cube]',
      'filter_size[large]',
      'scene',
      'query_color',
      'unique',
      'relate[left]',
      'unique',
      'filter_shape[sphere]',
      'scene',
    ]);
  });

  it('round trips tree <-> prefix <-> postfix <-> list', () => {
    const tree = stepsToTree(comparison);
    const prefix = treeToPrefix(tree);
    const postfix = treeToPostfix(tree);
    expect(postfix[postfix.length - 1]).toBe('equal_color');
    expect(postfix[0]).toBe('scene');
    expect(prefixToTree(prefix)).toEqual(tree);
    expect(postfixToTree(postfix)).toEqual(tree);
    expect(treeToPrefix(postfixToTree(treeToPostfix(prefixToTree(prefix))))).toEqual(prefix);
    const steps = treeToSteps(tree);
    expect(steps).toHaveLength(comparison.length);
    expect(stepsToTree(steps)).toEqual(tree);
    expect(checkProgramSteps(steps)).toEqual({ ok: true, outputType: 'Bool' });
  });

  it('reports the bad token of a malformed sequence', () => {
    expect(() => prefixToTree(['count', 'filter_color[red]'])).toThrow(ProgramError);
    try {
      prefixToTree(['equal_integer', 'count', 'scene']);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ProgramError);
      expect((e as ProgramError).step).toBe(0);
      expect((e as ProgramError).token).toBe('equal_integer');
    }
    expect(() => prefixToTree(['count', 'scene', 'scene'])).toThrow(/step 2 \(scene\): extra tokens/);
    expect(() => postfixToTree(['scene', 'union'])).toThrow(/step 1 \(union\): needs 2 inputs but only 1/);
    expect(() => postfixToTree(['scene', 'scene'])).toThrow(/2 unconnected subtrees/);
    expect(() => prefixToTree(['count', 'filter_colour[red]', 'scene'])).toThrow(
      /step 1 \(filter_colour\[red\]\)/,
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

  it('names tree errors by prefix index', () => {
    const r = checkProgramTree(prefixToTree(['exist', 'filter_size[huge]', 'scene']));
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.error.message).toBe(
        "program step 1 (filter_size[huge]): unknown Size value 'huge' (expected one of small, large)",
      );
  });
});
