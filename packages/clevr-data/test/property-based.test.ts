import {
  buildTokenMap,
  decodeTokens,
  type ProgramTreeNode,
  parseProgramToken,
  postfixToTree,
  prefixToTree,
  stepsToTree,
  stepToken,
  tokensByIndex,
  treeToPostfix,
  treeToPrefix,
  treeToSteps,
} from '@mmnet/programs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzSettings } from '../../../test-support/fuzz';
import { CLEVR_VALUES, encodeTokens, executeProgram, type Scene, tokenize } from '../src/index.js';
import { makeScene } from './helpers/semantics-scenes.js';

/** Cases per property in the test suite (scripts/fuzz.ts runs many more with FUZZ_RUNS). */
const { runs: RUNS, seed: SEED } = fuzzSettings(200);
const params = { numRuns: RUNS, seed: SEED };

// ---- questions: tokenizer and encoder ----

const word = fc.stringMatching(/^[A-Za-z0-9]{1,8}$/);
/** A question as words with optional `,`/`;` after a word and an optional final `?`, plus its expected tokens. */
const question = fc
  .tuple(
    fc.array(fc.tuple(word, fc.constantFrom('', ',', ';')), { minLength: 1, maxLength: 20 }),
    fc.boolean(),
  )
  .map(([words, ask]) => {
    const text = words.map(([w, p]) => w + p).join(' ') + (ask ? '?' : '');
    const tokens = words.flatMap(([w, p]) => (p ? [w, p] : [w]));
    return { text, tokens };
  });

describe('tokenizer and encoder (property-based)', () => {
  it('tokenize splits words and kept punctuation, drops ? and adds <START>/<END>', () => {
    fc.assert(
      fc.property(question, ({ text, tokens }) => {
        expect(tokenize(text, { addStartToken: false, addEndToken: false })).toEqual(tokens);
        expect(tokenize(text)).toEqual(['<START>', ...tokens, '<END>']);
      }),
      params,
    );
  });

  it('encode then decode gives the tokens back, with a vocabulary built from any set of questions', () => {
    fc.assert(
      fc.property(fc.array(question, { minLength: 1, maxLength: 8 }), fc.nat(), (questions, pick) => {
        const map = buildTokenMap(questions.map((q) => tokenize(q.text)));
        const idxToToken = tokensByIndex(map);
        const { text, tokens } = questions[pick % questions.length];
        const encoded = encodeTokens(tokenize(text), map, false, 'q');
        expect(new Set(encoded).size).toBeLessThanOrEqual(Object.keys(map).length);
        expect(decodeTokens(encoded, idxToToken)).toEqual(tokens);
        // Padding with <NULL> after <END> changes nothing.
        expect(decodeTokens([...encoded, 0, 0, 0], idxToToken)).toEqual(tokens);
      }),
      params,
    );
  });
});

// ---- programs: random well-typed CLEVR programs ----

type Kind = 'ObjectSet' | 'Object' | 'Integer' | 'Bool' | 'Attr';
const ATTRS = [
  ['Shape', 'shape'],
  ['Color', 'color'],
  ['Size', 'size'],
  ['Material', 'material'],
] as const;

/**
 * A well-typed program tree of `kind` built from `choices` (a list of numbers read in turn; shrinking the list
 * shrinks the program). `depth` bounds the nesting. `attr` fixes the attribute of an Attr-valued node.
 */
function buildProgram(
  choices: number[],
  kind: Kind,
  depth = 5,
  attr?: (typeof ATTRS)[number],
): ProgramTreeNode {
  let k = 0;
  const next = (n: number) => (choices.length ? choices[k++ % choices.length] : 0) % n;
  const node = (f: string, inputs: ProgramTreeNode[], valueInputs: string[] = []): ProgramTreeNode => ({
    token: stepToken(f, valueInputs),
    step: 0,
    inputs,
  });
  const build = (want: Kind, d: number, a?: (typeof ATTRS)[number]): ProgramTreeNode => {
    const deep = d > 0;
    switch (want) {
      case 'ObjectSet': {
        const option = deep ? next(6) : 0;
        if (option === 0) return node('scene', []);
        if (option === 1 || option === 5) {
          const [type, name] = ATTRS[next(4)];
          const values = CLEVR_VALUES[type];
          return node(`filter_${name}`, [build('ObjectSet', d - 1)], [values[next(values.length)]]);
        }
        if (option === 2) return node('relate', [build('Object', d - 1)], [CLEVR_VALUES.Relation[next(4)]]);
        if (option === 3) return node(`same_${ATTRS[next(4)][1]}`, [build('Object', d - 1)]);
        return node(next(2) ? 'union' : 'intersect', [build('ObjectSet', d - 1), build('ObjectSet', d - 1)]);
      }
      case 'Object':
        return node('unique', [build('ObjectSet', d - 1)]);
      case 'Integer':
        return node('count', [build('ObjectSet', d - 1)]);
      case 'Attr': {
        const [, name] = a ?? ATTRS[next(4)];
        return node(`query_${name}`, [build('Object', d - 1)]);
      }
      case 'Bool': {
        const option = deep ? next(4) : 0;
        if (option === 0) return node('exist', [build('ObjectSet', d - 1)]);
        if (option === 1) {
          const f = ['equal_integer', 'less_than', 'greater_than'][next(3)];
          return node(f, [build('Integer', d - 1), build('Integer', d - 1)]);
        }
        if (option === 2) {
          const pair = ATTRS[next(4)];
          return node(`equal_${pair[1]}`, [build('Attr', d - 1, pair), build('Attr', d - 1, pair)]);
        }
        return node('equal_object', [build('Object', d - 1), build('Object', d - 1)]);
      }
    }
  };
  return build(kind, depth, attr);
}

const program = fc
  .tuple(fc.constantFrom<Kind>('Integer', 'Bool', 'Attr'), fc.array(fc.nat(1000), { maxLength: 40 }))
  .map(([kind, choices]) => buildProgram(choices, kind));

/** A tree's tokens and shape, without the step numbers each form numbers its own way. */
type Shape = { token: string; inputs: Shape[] };
const tokens = (n: ProgramTreeNode): Shape => ({ token: n.token, inputs: n.inputs.map(tokens) });

describe('program forms (property-based)', () => {
  it('prefix, postfix and the official step list all give the same tree back', () => {
    fc.assert(
      fc.property(program, (tree) => {
        expect(tokens(prefixToTree(treeToPrefix(tree)))).toEqual(tokens(tree));
        expect(tokens(postfixToTree(treeToPostfix(tree)))).toEqual(tokens(tree));
        const steps = treeToSteps(tree);
        expect(tokens(stepsToTree(steps))).toEqual(tokens(tree));
        expect(steps.length).toBe(treeToPrefix(tree).length);
        // Every step's inputs point at earlier steps: the chain form is valid as CLEVR writes it.
        steps.forEach((s: { inputs: number[] }, i: number) => {
          for (const j of s.inputs) expect(j).toBeLessThan(i);
        });
      }),
      params,
    );
  });
});

// ---- executor against a reference evaluation ----

const scene = fc
  .array(
    fc.record({
      shape: fc.constantFrom(...CLEVR_VALUES.Shape),
      color: fc.constantFrom(...CLEVR_VALUES.Color),
      material: fc.constantFrom(...CLEVR_VALUES.Material),
      size: fc.constantFrom(...CLEVR_VALUES.Size),
      x: fc.integer({ min: -30, max: 30 }),
      y: fc.integer({ min: -30, max: 30 }),
    }),
    { minLength: 1, maxLength: 7 },
  )
  .map((rows) =>
    makeScene(
      0,
      rows.map((r, i) => ({ ...r, x: r.x / 10 + i * 1e-3, y: r.y / 10 - i * 1e-3 })),
    ),
  );

class NotUnique extends Error {}

/**
 * CLEVR's semantics written as plainly as possible, straight from the scene JSON: sets are arrays of object
 * indices, every function one line or two.
 */
function referenceAnswer(tree: ProgramTreeNode, s: Scene): string {
  const objects = s.objects as unknown as Record<string, string>[];
  const all = objects.map((_, i) => i);
  const sorted = (xs: number[]) => [...new Set(xs)].sort((a, b) => a - b);
  const evaluate = (n: ProgramTreeNode): unknown => {
    const args = n.inputs.map(evaluate);
    const { function: f, valueInputs } = parseProgramToken(n.token);
    const v = valueInputs[0];
    if (f === 'scene') return all;
    if (f === 'unique') {
      const set = args[0] as number[];
      if (set.length !== 1) throw new NotUnique();
      return set[0];
    }
    if (f === 'relate') return sorted((s.relationships as Record<string, number[][]>)[v][args[0] as number]);
    if (f === 'union') return sorted([...(args[0] as number[]), ...(args[1] as number[])]);
    if (f === 'intersect') return (args[0] as number[]).filter((i) => (args[1] as number[]).includes(i));
    if (f === 'count') return (args[0] as number[]).length;
    if (f === 'exist') return (args[0] as number[]).length > 0;
    if (f === 'less_than') return (args[0] as number) < (args[1] as number);
    if (f === 'greater_than') return (args[0] as number) > (args[1] as number);
    if (f.startsWith('equal_')) return args[0] === args[1];
    const [op, attr] = f.split('_');
    if (op === 'filter') return (args[0] as number[]).filter((i) => objects[i][attr] === v);
    if (op === 'query') return objects[args[0] as number][attr];
    if (op === 'same') {
      const me = args[0] as number;
      return all.filter((i) => i !== me && objects[i][attr] === objects[me][attr]);
    }
    throw new Error(`reference: unknown function ${f}`);
  };
  const value = evaluate(tree);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

describe('executor (property-based)', () => {
  it('agrees with a straightforward reference evaluation on random scenes and programs', () => {
    let answered = 0;
    fc.assert(
      fc.property(scene, program, (s, tree) => {
        let expected: string | 'not_unique';
        try {
          expected = referenceAnswer(tree, s);
        } catch (error) {
          if (!(error instanceof NotUnique)) throw error;
          expected = 'not_unique';
        }
        for (const form of [tree, treeToSteps(tree)]) {
          const result = executeProgram(form, s);
          if (expected === 'not_unique') {
            expect(result.ok).toBe(false);
            if (!result.ok) expect(result.error.kind).toBe('not_unique');
          } else {
            expect(result).toMatchObject({ ok: true, answer: expected });
          }
        }
        if (expected !== 'not_unique') answered++;
      }),
      params,
    );
    // The generator reaches answers, not only `unique` failures.
    expect(answered).toBeGreaterThan(RUNS / 4);
  });
});

describe('vocabularies', () => {
  it('hold words named like Object.prototype members as ordinary tokens', () => {
    const words = ['__proto__', 'valueOf', 'constructor', 'hasOwnProperty'];
    const map = buildTokenMap([words]);
    expect(Object.keys(map)).toEqual(['<NULL>', '<START>', '<END>', '<UNK>', ...[...words].sort()]);
    expect(decodeTokens(encodeTokens(words, map, false, 'q'), tokensByIndex(map))).toEqual(words);
    expect(() => encodeTokens(['toString'], map, false, 'q')).toThrow(
      /token 'toString' is not in the vocabulary/,
    );
  });
});
