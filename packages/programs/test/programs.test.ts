import { describe, expect, it } from 'vitest';
import {
  ANY_TYPE,
  arityTypes,
  buildTokenMap,
  clevrArity,
  clevrTypes,
  decodeTokens,
  END_ID,
  encodePrefixPrograms,
  expandTokenMap,
  isProgramTreeList,
  ProgramError,
  type ProgramStep,
  ProgramVocabulary,
  parsePrefixPrograms,
  parseProgramToken,
  parseVocab,
  postfixToTree,
  prefixToTree,
  SPECIAL_TOKENS,
  stepsToTree,
  tokenMapOf,
  tokensByIndex,
  treeHeight,
  treeToPostfix,
  treeToPrefix,
  treeToSteps,
  vocabFromJson,
  vocabToJson,
} from '../src/index.js';

const TOKENS = ['scene', 'filter_color[red]', 'filter_shape[cube]', 'unique', 'relate[left]', 'query_color'];
const MORE = ['count', 'equal_color', 'union', 'exist'];
const programs = tokenMapOf([...TOKENS, ...MORE]);

const PROGRAMS: string[][] = [
  ['count', 'filter_color[red]', 'scene'],
  ['query_color', 'unique', 'relate[left]', 'unique', 'filter_shape[cube]', 'scene'],
  ['equal_color', 'query_color', 'unique', 'filter_color[red]', 'scene', 'query_color', 'unique', 'scene'],
  ['exist', 'union', 'filter_color[red]', 'scene', 'union', 'scene', 'filter_shape[cube]', 'scene'],
];

function s(fn: string, inputs: number[], value_inputs: string[] = []): ProgramStep {
  return { function: fn, inputs, value_inputs };
}

/** "Are there more cubes than red spheres left of the large thing?" in the official list form. */
const moreCubes: ProgramStep[] = [
  s('scene', []),
  s('filter_size', [0], ['large']),
  s('unique', [1]),
  s('relate', [2], ['left']),
  s('filter_color', [3], ['red']),
  s('filter_shape', [4], ['sphere']),
  s('count', [5]),
  s('scene', []),
  s('filter_shape', [7], ['cube']),
  s('count', [8]),
  s('greater_than', [9, 6]),
];

function vocabOf(): Record<string, Record<string, number>> {
  return {
    question_token_to_idx: tokenMapOf(['Is', 'it', 'red']),
    program_token_to_idx: tokenMapOf(TOKENS),
    answer_token_to_idx: tokenMapOf(['no', 'yes']),
  };
}

describe('special tokens and vocabularies', () => {
  it('lays out token maps as the reference: specials at 0..3, then the tokens', () => {
    expect(SPECIAL_TOKENS).toEqual(['<NULL>', '<START>', '<END>', '<UNK>']);
    expect(programs['<END>']).toBe(END_ID);
    expect(programs.scene).toBe(4);
    expect(tokensByIndex(programs).slice(0, 6)).toEqual([...SPECIAL_TOKENS, 'scene', 'filter_color[red]']);
    // Sorted by code units (Python's order), rare tokens dropped, existing indices kept when expanding.
    const built = buildTokenMap([['b', 'a', 'B'], ['a']], { minTokenCount: 1 });
    expect(tokensByIndex(built).slice(4)).toEqual(['B', 'a', 'b']);
    expect(tokensByIndex(buildTokenMap([['b', 'a', 'a']], { minTokenCount: 2 })).slice(4)).toEqual(['a']);
    expect(expandTokenMap(built, [['c', 'a', 'A']])).toEqual({ ...built, A: 7, c: 8 });
  });

  it('rejects a bad layout naming the map and the token', () => {
    expect(() => tokensByIndex({ '<NULL>': 0, '<START>': 2, '<END>': 1 }, 'm')).toThrow(
      "m: '<START>' must have index 1 (got 2)",
    );
    expect(() => tokensByIndex({ '<START>': 0 }, 'm')).toThrow("m: '<NULL>' must have index 0 (got none)");
    expect(() => tokensByIndex({ '<NULL>': 0, a: 5 }, 'm')).toThrow(/without gaps \(token 'a' has 5\)/);
    expect(() => tokensByIndex({ '<NULL>': 0, a: 1, b: 1 }, 'm')).toThrow("tokens 'a' and 'b' share index 1");
    expect(() => tokensByIndex({ '<NULL>': 0, a: 0.5 }, 'm')).toThrow(/'a' has index 0.5/);
  });

  it('reads and writes vocab.json text, checking every map', () => {
    const vocab = vocabOf();
    const text = vocabToJson(parseVocab(vocab), 2);
    expect(vocabFromJson(text)).toEqual(vocab);
    expect(Object.keys(JSON.parse(text).answer_token_to_idx)).toEqual([...SPECIAL_TOKENS, 'no', 'yes']);
    expect(() => vocabFromJson('{', 'bad.json')).toThrow(/^bad\.json: not valid JSON/);
    expect(() => parseVocab([], 'v.json')).toThrow(/^v\.json: expected an object/);
    expect(() => parseVocab({ ...vocab, program_token_to_idx: undefined }, 'v.json')).toThrow(
      'v.json: program_token_to_idx: missing or not an object of token -> index',
    );
    const moved = vocabOf();
    moved.answer_token_to_idx['<NULL>'] = 5;
    expect(() => parseVocab(moved, 'v.json')).toThrow(/^v\.json: answer_token_to_idx: /);
    expect(() =>
      parseVocab({ ...vocab, question_token_to_idx: { '<NULL>': 0, '<START>': 1 } }, 'v.json'),
    ).toThrow("v.json: question_token_to_idx: needs '<START>' and '<END>'");
  });

  it('decodes ids, dropping padding and stopping at <END>', () => {
    const byIndex = tokensByIndex(programs);
    expect(decodeTokens([1, programs.count, programs.scene, 2, programs.scene, 0], byIndex)).toEqual([
      'count',
      'scene',
    ]);
    expect(decodeTokens([programs.scene, 99], byIndex)).toEqual(['scene', '<UNK>']);
  });
});

describe('the CLEVR arity rule', () => {
  it('gives every CLEVR token its arity and no arity to the special tokens', () => {
    expect(clevrArity('scene')).toBe(0);
    expect(clevrArity('filter_color[red]')).toBe(1);
    expect(clevrArity('relate[left]')).toBe(1);
    expect(clevrArity('count')).toBe(1);
    for (const t of ['equal_color', 'equal_integer', 'union', 'intersect', 'less_than', 'greater_than']) {
      expect(clevrArity(t)).toBe(2);
    }
    for (const t of SPECIAL_TOKENS) expect(clevrArity(t)).toBeNull();
    expect(parseProgramToken('filter_color[red]')).toEqual({
      function: 'filter_color',
      valueInputs: ['red'],
    });
    expect(() => parseProgramToken('[red]')).toThrow(/malformed program token '\[red\]'/);
  });

  it('gives a program vocabulary its arities, its leaf and its functions', () => {
    const vocab = new ProgramVocabulary(programs);
    expect(vocab.arity(vocab.id('equal_color'))).toBe(2);
    expect(vocab.arity(END_ID)).toBeNull();
    expect(vocab.token(vocab.sceneId)).toBe('scene');
    expect(vocab.functionIds()).toEqual(
      [...TOKENS, ...MORE].filter((t) => t !== 'scene').map((t) => programs[t]),
    );
    expect(() => vocab.id('filter_size[huge]')).toThrow(/'filter_size\[huge\]'/);
    expect(() => vocab.arity(99)).toThrow(/id 99 is outside 0\.\.13/);
    expect(() => new ProgramVocabulary(tokenMapOf(['count']))).toThrow(/no 0-ary token/);
    const { '<UNK>': _, ...noUnk } = tokenMapOf(['scene']);
    expect(() => new ProgramVocabulary({ ...noUnk, scene: 3 })).toThrow("'<UNK>' is missing");
  });
});

describe('the CLEVR types', () => {
  it('types every CLEVR function with its arity, and answers with anything but objects', () => {
    expect(clevrTypes.typeOf('count')).toEqual({ inputs: ['ObjectSet'], output: 'Integer' });
    expect(clevrTypes.typeOf('relate[left]')).toEqual({ inputs: ['Object'], output: 'ObjectSet' });
    expect(clevrTypes.typeOf('equal_color')).toEqual({ inputs: ['Color', 'Color'], output: 'Bool' });
    expect(clevrTypes.typeOf('query_size')).toEqual({ inputs: ['Object'], output: 'Size' });
    for (const t of [...TOKENS, ...MORE, 'same_shape', 'equal_object', 'union', 'exist', 'unique'])
      expect(clevrTypes.typeOf(t)?.inputs.length, t).toBe(clevrArity(t));
    for (const t of SPECIAL_TOKENS) expect(clevrTypes.typeOf(t)).toBeNull();
    // A function CLEVR does not have: its arity's worth of anything.
    expect(clevrTypes.typeOf('equal_mood')).toEqual({ inputs: [ANY_TYPE, ANY_TYPE], output: ANY_TYPE });
    expect([...clevrTypes.answers].sort()).toEqual(['Bool', 'Color', 'Integer', 'Material', 'Shape', 'Size']);
    expect(arityTypes(clevrArity).typeOf('intersect')).toEqual({
      inputs: [ANY_TYPE, ANY_TYPE],
      output: ANY_TYPE,
    });
  });
});

describe('program trees', () => {
  it('round-trips the list form through trees, prefix and postfix', () => {
    const tree = stepsToTree(moreCubes);
    expect(tree.token).toBe('greater_than');
    expect(tree.inputs[0].inputs[0]).toMatchObject({ token: 'filter_shape[cube]', step: 8 });
    expect(treeHeight(tree)).toBe(8);
    const prefix = treeToPrefix(tree);
    expect(prefix.slice(0, 8)).toEqual([
      'greater_than',
      'count',
      'filter_shape[cube]',
      'scene',
      'count',
      'filter_shape[sphere]',
      'filter_color[red]',
      'relate[left]',
    ]);
    expect(treeToPrefix(prefixToTree(prefix))).toEqual(prefix);
    expect(treeToPrefix(postfixToTree(treeToPostfix(tree)))).toEqual(prefix);
    const steps = treeToSteps(tree);
    expect(steps).toHaveLength(moreCubes.length);
    expect(steps[steps.length - 1]).toEqual(s('greater_than', [2, 9]));
    expect(treeToPrefix(stepsToTree(steps))).toEqual(prefix);
  });

  it('reads reference rows (<START>, <END>, padding) and records steps', () => {
    const tree = prefixToTree(['<START>', 'count', 'scene', '<END>', '<NULL>']);
    expect(tree).toEqual({ token: 'count', step: 1, inputs: [{ token: 'scene', step: 2, inputs: [] }] });
    expect(prefixToTree(['count', 'scene'], { steps: [7, -1] }).inputs[0].step).toBe(-1);
  });

  const malformed: [string, () => unknown, RegExp][] = [
    [
      'a module short of inputs',
      () => prefixToTree(['equal_color', 'scene']),
      /step 0 \(equal_color\): needs 2/,
    ],
    [
      'leftover tokens',
      () => prefixToTree(['count', 'scene', 'scene']),
      /step 2 \(scene\): 1 token\(s\) left/,
    ],
    ['an empty program', () => prefixToTree(['<START>', '<END>']), /step 1 \(<END>\): empty program/],
    ['a special token inside', () => prefixToTree(['count', '<UNK>']), /step 1 \(<UNK>\): not a module/],
    [
      'a token after the end',
      () => prefixToTree(['scene', '<END>', 'scene']),
      /step 2 \(scene\): token after/,
    ],
    ['a postfix short of inputs', () => postfixToTree(['scene', 'union']), /step 1 \(union\): needs 2/],
    ['a postfix forest', () => postfixToTree(['scene', 'scene']), /2 unconnected subtrees/],
    [
      'a forward reference',
      () => stepsToTree([s('count', [1]), s('scene', [])]),
      /step 0 \(count\): input 1/,
    ],
  ];
  for (const [name, read, message] of malformed) {
    it(`rejects ${name} naming the step and token`, () => {
      expect(read).toThrow(ProgramError);
      expect(read).toThrow(message);
    });
  }

  it('reads with any arity rule (a non-CLEVR DSL)', () => {
    const arityOf = (t: string) => (t === 'leaf' ? 0 : t === 'pair' ? 2 : null);
    const tree = prefixToTree(['pair', 'leaf', 'pair', 'leaf', 'leaf'], { arityOf });
    expect(treeToPostfix(tree)).toEqual(['leaf', 'leaf', 'leaf', 'pair', 'pair']);
    expect(() => prefixToTree(['pair', 'other'], { arityOf })).toThrow(/step 1 \(other\): not a module/);
  });

  it('tells trees from id rows; an empty list is an empty batch of trees', () => {
    expect(isProgramTreeList([])).toBe(true);
    expect(isProgramTreeList([prefixToTree(['scene'])])).toBe(true);
    expect(isProgramTreeList([[1, 4, 2]])).toBe(false);
    expect(isProgramTreeList({ data: [1, 4, 2], shape: [1, 3] })).toBe(false);
  });
});

describe('prefix id rows', () => {
  it('encodes and parses batches of rows', () => {
    const rows = encodePrefixPrograms(PROGRAMS, programs, 12);
    expect(rows[0].slice(0, 6)).toEqual([
      1,
      programs.count,
      programs['filter_color[red]'],
      programs.scene,
      2,
      0,
    ]);
    const trees = parsePrefixPrograms(rows, programs);
    expect(trees.map(treeToPrefix)).toEqual(PROGRAMS);
    expect(trees[2].inputs[1].step).toBe(6);
    const flat = parsePrefixPrograms({ data: rows.flat(), shape: [rows.length, 12] }, programs);
    expect(flat.map(treeToPrefix)).toEqual(PROGRAMS);
    expect(() => encodePrefixPrograms([['count', 'scenery']], programs)).toThrow(
      "program of sample 0, step 2: token 'scenery' is not in the vocabulary",
    );
    expect(() => encodePrefixPrograms(PROGRAMS, programs, 5)).toThrow(/6 tokens do not fit a row of 5/);
  });

  it('names the sample and the step of a bad row', () => {
    const good = encodePrefixPrograms([['scene']], programs, 4)[0];
    expect(() => parsePrefixPrograms([good, [1, 99, 2, 0]], programs)).toThrow(
      'program of sample 1, step 1 (id 99): unknown token id (not in the program vocabulary)',
    );
    expect(() => parsePrefixPrograms([good, [1, programs.count, 2, 0]], programs)).toThrow(
      /sample 1, step 1 \(count\): needs 1 input/,
    );
    expect(() => parsePrefixPrograms({ data: [1, 2, 3], shape: [2, 2] }, programs)).toThrow(
      /3 ids do not fill the shape \[2, 2\]/,
    );
  });
});
